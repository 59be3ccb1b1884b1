#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RedisConfiguration {
    /// The first line of `file` (without its line ending), at most 4 KiB. The error says what
    /// went wrong with the file, never what it holds.
    static func readPassword(file: String) throws(RedisConfigurationError) -> String {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .passwordFile(path: file, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 4097)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw .passwordFile(path: file, reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        guard count < bytes.count else { throw .passwordFile(path: file, reason: "longer than 4096 bytes") }
        var line = bytes[..<count].prefix { $0 != UInt8(ascii: "\n") }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard !line.isEmpty else { throw .passwordFile(path: file, reason: "the first line is empty") }
        guard let password = String(validating: line, as: UTF8.self) else {
            throw .passwordFile(path: file, reason: "not UTF-8")
        }
        return password
    }
}
