import Logging
import NIOCore
import ZenithRealtime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `[realtime] recovery_file`: how a stopping process hands what connection state recovery keeps
/// (the sockets its drain dropped, the broadcasts they may miss) to the next process on this node,
/// so that a restart or a deploy loses no event. Written once at the end of a drain (mode 0600:
/// it names rooms), read and removed at start.
enum RecoveryFile {
    static func write(_ engine: RealtimeEngine, to path: String, logger: Logger) {
        guard let state = engine.socketIO.exportRecovery(wallMilliseconds: Self.wallMilliseconds()) else { return }
        let temporary = path + ".new"
        do {
            guard FileManager.default.createFile(
                atPath: temporary, contents: Data(state.readableBytesView), attributes: [.posixPermissions: 0o600]
            ) else {
                throw CocoaError(.fileWriteUnknown)
            }
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
            logger.info("recovery state written for the next process", metadata: ["file": "\(path)", "bytes": "\(state.readableBytes)"])
        } catch {
            logger.error("could not write the recovery state: sockets will start afresh", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    static func read(into engine: RealtimeEngine, from path: String, logger: Logger) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        defer { _ = try? FileManager.default.removeItem(atPath: path) }
        do {
            let sockets = try engine.socketIO.importRecovery(ByteBuffer(bytes: data), wallMilliseconds: Self.wallMilliseconds())
            logger.info("recovery state taken over from the previous process", metadata: ["file": "\(path)", "sockets": "\(sockets)"])
        } catch {
            logger.error("recovery state not usable: sockets will start afresh", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    private static func wallMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
