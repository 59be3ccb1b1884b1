import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Loopback TCP ports for the servers the tests start (redis-server, rabbitmq-server): shared by
/// the test targets so that each does not carry its own socket code.
public enum LoopbackPorts {
    /// Ports handed out lately in this process. The kernel may give the same free port to two
    /// port-0 binds in a row once the first socket is closed, and a server given one port twice
    /// (RabbitMQ's AMQP, distribution and epmd ports) fails to start.
    private static let recent = NSLock()
    nonisolated(unsafe) private static var recentPorts: [Int] = []

    /// A 127.0.0.1 port nothing listens on now and that no recent call handed out.
    public static func free() throws -> Int {
        while true {
            let port = try self.kernelPick()
            let isNew = self.recent.withLock {
                guard !self.recentPorts.contains(port) else { return false }
                self.recentPorts.append(port)
                if self.recentPorts.count > 256 { self.recentPorts.removeFirst() }
                return true
            }
            if isNew { return port }
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = self.loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func kernelPick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackPortError() }
        defer { close(fd) }
        var address = self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw LoopbackPortError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}

/// No loopback port could be bound.
public struct LoopbackPortError: Error, CustomStringConvertible {
    public var description: String { "no free loopback port" }
}
