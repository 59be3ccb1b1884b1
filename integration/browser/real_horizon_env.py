"""What the real-Horizon browser test and bench/horizon/real_horizon_latency.py share: Horizon 27's
own login form and the instances table's rows (integration/tests/harness/real_horizon.py starts
Horizon and writes zenith's config)."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from horizon_env import wait_until
from harness.real_horizon import PASSWORD


def log_in(driver, base: str, user: str) -> None:
    """Horizon's own login form (username, password; one region, no domain field)."""
    driver.get(base + "/dashboard/auth/login/")
    wait_until(driver, lambda: driver.find_elements(By.ID, "id_username"), 20, "Horizon's login form")
    driver.find_element(By.ID, "id_username").send_keys(user)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(driver, lambda: "/auth/login/" not in driver.current_url, 30, f"login of {user}")


def row_classes(driver) -> dict[str, str]:
    return driver.execute_script("""
        const out = {};
        for (const tr of document.querySelectorAll('table#instances tbody tr[data-object-id]'))
          out[tr.getAttribute('data-object-id')] = tr.className;
        return out;""")
