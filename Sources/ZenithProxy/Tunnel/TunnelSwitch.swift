import NIOCore
import NIOHTTP1

/// Turns a client connection and an upstream connection that just agreed on a protocol switch
/// (the backend's 101 has been relayed) into a byte tunnel: the HTTP handlers leave both
/// pipelines and a matched pair of `TunnelHandler`s takes their place.
enum TunnelSwitch {
    /// - Parameter idleTimeout: the tunnel closes after this long without a byte in either direction.
    static func connect(client: any ResponderContext, upstream: UpstreamConnection, idleTimeout: Duration) {
        guard let upstreamChannel = upstream.channel else {
            client.failRequest(status: .badGateway)
            return
        }
        let (clientEnd, upstreamEnd) = TunnelHandler.matchedPair()
        do {
            try client.handOver { clientChannel in
                let clientPipeline = clientChannel.pipeline.syncOperations
                try clientPipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount(idleTimeout)))
                try clientPipeline.addHandler(clientEnd)
                try clientChannel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)

                let upstreamPipeline = upstreamChannel.pipeline.syncOperations
                try upstreamPipeline.addHandler(upstreamEnd)
                try upstreamChannel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
                // Removed after the tunnel end is in place, so that the bytes it holds beyond the
                // 101 go on to the tunnel.
                _ = upstreamPipeline.removeHandler(upstream)
            }
        } catch {
            client.loop.logger.warning("could not set up tunnel", metadata: ["error": "\(error)"])
            upstreamChannel.close(promise: nil)
            return
        }
        upstreamChannel.read()
    }
}
