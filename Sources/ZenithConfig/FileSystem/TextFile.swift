import Foundation

/// Reads a whole UTF-8 text file (config and routes files are small), naming the reason when it
/// cannot.
enum TextFile {
    /// Why a file could not be read, worded to follow "cannot read FILE: ".
    struct ReadFailure: Error, Equatable {
        var reason: String
    }

    static func read(_ path: String) throws(ReadFailure) -> String {
        switch FileKind(atPath: path) {
        case .missing: throw ReadFailure(reason: "no such file")
        case .directory: throw ReadFailure(reason: "is a directory")
        case .file: break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadFailure(reason: "permission denied or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReadFailure(reason: "not valid UTF-8")
        }
        return text
    }
}
