/// The demo page (being written).
enum DemoPage {
    static let html: String = "<!DOCTYPE html><title>Zenith demo</title><script src=\"/socket.io/zenith.js\"></script>"
}
