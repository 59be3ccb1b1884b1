import Foundation

/// What, if anything, is at a path: for checking the files and directories a configuration names
/// before the proxy relies on them.
enum FileKind: Sendable, Equatable {
    case missing
    case directory
    case file

    init(atPath path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            self = .missing
            return
        }
        self = isDirectory.boolValue ? .directory : .file
    }
}
