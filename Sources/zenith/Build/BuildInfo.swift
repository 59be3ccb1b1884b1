/// What `zenith --version` prints: the version, and the git commit the binary was built from.
///
/// The version is this file's. The commit is baked in by the scripts that build shipped binaries
/// (scripts/build-release, scripts/package-deb): they write `BuildCommit.generated.swift` beside
/// this file (git-ignored, removed again when the build ends) declaring `BuildInfo.commit`, which
/// takes precedence over the protocol extension's default. A plain `swift build` (a fresh clone
/// included) compiles without that file and prints "unknown". A file rather than a `-D` flag:
/// Swift's `-D` carries no values, and an `-Xswiftc` flag would apply to every module, so a debug
/// build given one would recompile all of them.
enum BuildInfo: BuildCommitDefault {
    static let version = "0.1.0"

    /// `zenith 0.1.0 (commit 0123abcd…)`, as `--version` prints it.
    static var versionLine: String { "\(version) (commit \(commit))" }
}

protocol BuildCommitDefault {}

extension BuildCommitDefault {
    static var commit: String { "unknown" }
}
