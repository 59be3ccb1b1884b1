import CEpoll
import Glibc

// rawfloor --port P --backend HOST:PORT
//
// Plain HTTP/1.1 relayed byte for byte as `proxyfloor` does, but without SwiftNIO: one thread,
// level-triggered epoll and plain read(2)/write(2) on non-blocking sockets, one buffer per
// connection pair, no allocation per request. What a proxy whose socket I/O is its own (as
// nginx's is) could spend at least, against the same backend and load. Prints "LISTENING P".

func option(_ name: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else {
        fputs("rawfloor: --\(name) is required\n", stderr)
        exit(2)
    }
    return args[i + 1]
}

/// An option that must be a port number.
func port(_ text: Substring, _ name: String) -> Int {
    guard let port = Int(text), (0...65535).contains(port) else {
        fputs("rawfloor: --\(name) needs a port number\n", stderr)
        exit(2)
    }
    return port
}

func check(_ result: Int32, _ what: String) -> Int32 {
    if result < 0 {
        perror("rawfloor: \(what)")
        exit(1)
    }
    return result
}

func address(_ host: String, _ port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host, &address.sin_addr)
    return address
}

func withSockaddr<T>(_ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = address
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// One side of a relayed pair: its socket, its partner's, and the bytes read from it that the
/// partner's socket has not taken yet.
final class Side {
    let fd: Int32
    var partner: Side!
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    var pendingStart = 0
    var pendingEnd = 0
    init(fd: Int32) { self.fd = fd }
    deinit { self.buffer.deallocate() }
}

let backend = option("backend").split(separator: ":")
guard backend.count == 2 else {
    fputs("rawfloor: --backend must be HOST:PORT\n", stderr)
    exit(2)
}
let backendAddress = address(String(backend[0]), port(backend[1], "backend"))
let epoll = check(epoll_create1(0), "epoll_create1")
/// The pairs' sides by socket descriptor.
var sides = [Side?](repeating: nil, count: 1 << 16)

func watch(_ fd: Int32, _ events: UInt32, _ op: Int32) {
    var event = epoll_event(events: events, data: epoll_data_t(fd: fd))
    _ = check(epoll_ctl(epoll, op, fd, &event), "epoll_ctl")
}

func close(_ side: Side) {
    for s in [side, side.partner!] where sides[Int(s.fd)] != nil {
        sides[Int(s.fd)] = nil
        Glibc.close(s.fd)
    }
}

/// Writes what `side` read to its partner; true when all of it went. When the partner's socket
/// is full, `side` stops being read and the partner is watched for room (backpressure).
func flushPending(_ side: Side) -> Bool {
    while side.pendingStart < side.pendingEnd {
        let n = write(side.partner.fd, side.buffer.baseAddress! + side.pendingStart, side.pendingEnd - side.pendingStart)
        if n < 0 {
            if errno == EAGAIN {
                watch(side.fd, 0, EPOLL_CTL_MOD)
                watch(side.partner.fd, UInt32(EPOLLIN.rawValue | EPOLLOUT.rawValue), EPOLL_CTL_MOD)
                return false
            }
            close(side)
            return false
        }
        side.pendingStart += n
    }
    side.pendingStart = 0
    side.pendingEnd = 0
    return true
}

let listener = check(socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0), "socket")
var one: Int32 = 1
setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
_ = withSockaddr(address("127.0.0.1", port(Substring(option("port")), "port"))) { check(bind(listener, $0, $1), "bind") }
_ = check(listen(listener, 1024), "listen")
watch(listener, UInt32(EPOLLIN.rawValue), EPOLL_CTL_ADD)
print("LISTENING \(option("port"))")
fflush(stdout)

var events = [epoll_event](repeating: epoll_event(), count: 256)
while true {
    let count = epoll_wait(epoll, &events, Int32(events.count), -1)
    if count < 0 { if errno == EINTR { continue }; perror("epoll_wait"); exit(1) }
    for i in 0..<Int(count) {
        let fd = events[i].data.fd
        if fd == listener {
            while true {
                let client = cepoll_accept_nonblocking(listener)
                if client < 0 { break }
                guard client < (1 << 16) - 1 else { Glibc.close(client); continue }
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                let connected = withSockaddr(backendAddress) { connect(upstream, $0, $1) }
                if upstream >= (1 << 16) || (connected < 0 && errno != EINPROGRESS) {
                    Glibc.close(client)
                    Glibc.close(upstream)
                    continue
                }
                let a = Side(fd: client), b = Side(fd: upstream)
                a.partner = b
                b.partner = a
                sides[Int(client)] = a
                sides[Int(upstream)] = b
                // Until the backend connection is up, the client's bytes wait in the kernel.
                watch(client, 0, EPOLL_CTL_ADD)
                watch(upstream, UInt32(EPOLLOUT.rawValue), EPOLL_CTL_ADD)
            }
            continue
        }
        guard let side = sides[Int(fd)] else { continue }
        let what = events[i].events
        if what & UInt32(EPOLLOUT.rawValue) != 0 {
            // Room on this socket: first the connection's completion, then what its partner read.
            let partner = side.partner!
            if partner.pendingEnd > 0 {
                if !flushPending(partner) { continue }
            }
            watch(fd, UInt32(EPOLLIN.rawValue), EPOLL_CTL_MOD)
            watch(partner.fd, UInt32(EPOLLIN.rawValue), EPOLL_CTL_MOD)
            continue
        }
        if what & UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            let n = read(fd, side.buffer.baseAddress!, side.buffer.count)
            if n <= 0 {
                if n < 0 && errno == EAGAIN { continue }
                close(side)
                continue
            }
            side.pendingEnd = n
            _ = flushPending(side)
        }
    }
}
