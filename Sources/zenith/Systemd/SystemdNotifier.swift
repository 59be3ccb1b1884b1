import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the service's state over `$NOTIFY_SOCKET` (sd_notify(3) protocol, written
/// here in Swift so that no libsystemd is needed): `READY=1`, `RELOADING=1`, `STOPPING=1`,
/// `WATCHDOG=1`. Without `NOTIFY_SOCKET` (not started by systemd) every call does nothing.
final class SystemdNotifier: Sendable {
    private let socket: Int32?
    private let address: NIOLockedValueBox<[UInt8]>

    init(environment: [String: String] = SystemdNotifier.processEnvironment()) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 else {
            self.socket = nil
            self.address = NIOLockedValueBox([])
            return
        }
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.socket = descriptor >= 0 ? descriptor : nil
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") {
            bytes[0] = 0  // abstract socket namespace
        }
        self.address = NIOLockedValueBox(bytes)
    }

    deinit {
        if let socket = self.socket { close(socket) }
    }

    var isActive: Bool { self.socket != nil }

    func ready() { self.send("READY=1\nSTATUS=serving") }
    func reloading() { self.send("RELOADING=1\nSTATUS=reloading") }
    func stopping() { self.send("STOPPING=1\nSTATUS=draining") }
    func watchdog() { self.send("WATCHDOG=1") }

    private func send(_ message: String) {
        guard let socket = self.socket else { return }
        let path = self.address.withLockedValue { $0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { destination in
            destination.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        var text = message
        text.withUTF8 { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    _ = sendto(socket, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
    }

    /// The process environment as a dictionary (without Foundation).
    static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
