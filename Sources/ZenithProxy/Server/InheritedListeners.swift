import NIOCore
import ZenithConfig

#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets handed over by systemd socket activation (`LISTEN_PID`, `LISTEN_FDS`,
/// descriptors from 3 on, sd_listen_fds(3)). A configured listen address whose socket was
/// inherited is adopted instead of bound, so that while Zenith restarts the kernel keeps
/// accepting connections into the socket's backlog and no client is refused.
public struct InheritedListeners: Sendable {
    /// Inherited descriptors by the address they are bound to (`127.0.0.1:8080`, `[::]:443`).
    private var sockets: [String: CInt]

    /// Reads the environment of the current process (`environment` for tests).
    public init(environment: [String: String], processID: Int32 = getpid()) {
        self.sockets = [:]
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == processID,
            let count = environment["LISTEN_FDS"].flatMap(Int32.init), count > 0, count < 1024
        else { return }
        for descriptor in 3..<(3 + count) {
            guard let address = Self.boundAddress(of: descriptor) else { continue }
            self.sockets[address] = descriptor
        }
    }

    /// The inherited socket bound to `address`, taken (each can be adopted once).
    mutating func take(_ address: HostAndPort) -> CInt? {
        self.sockets.removeValue(forKey: HostAndPort(host: Self.normalized(address.host), port: address.port).description)
    }

    /// Descriptors no configured address asked for.
    var unused: [String] { Array(self.sockets.keys).sorted() }

    private static func normalized(_ host: String) -> String {
        host == "localhost" ? "127.0.0.1" : host
    }

    private static func boundAddress(of descriptor: CInt) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        let address: SocketAddress
        switch Int32(storage.ss_family) {
        case AF_INET:
            address = withUnsafeBytes(of: &storage) { bytes in
                SocketAddress(bytes.load(as: sockaddr_in.self), host: "")
            }
        case AF_INET6:
            address = withUnsafeBytes(of: &storage) { bytes in
                SocketAddress(bytes.load(as: sockaddr_in6.self), host: "")
            }
        default:
            return nil
        }
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        return HostAndPort(host: ip, port: port).description
    }
}
