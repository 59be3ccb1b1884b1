// loadgen sub ...   Socket.IO subscribers (see runSubscribers for the options)
// loadgen pub ...   publisher at a fixed rate (see runPublisher)
// loadgen floor ... the cheapest fan-out server, for the benchmark's floor (see runFloorServer)
let args = CommandLine.arguments
guard args.count >= 2 else {
    fail("usage: loadgen sub --port P --clients N [--ramp R] [--sources A-B] [--threads T] [--transport websocket|polling|upgrade] [--status F] [--stop F] [--out F]\n       loadgen pub --port Q --rate R --duration S --step K [--token-file F] [--conns C]\n       loadgen floor --port P --pub-port Q")
}
switch args[1] {
case "sub": runSubscribers(Options(args.dropFirst(2)))
case "pub": runPublisher(Options(args.dropFirst(2)))
case "floor": runFloorServer(Options(args.dropFirst(2)))
default: fail("unknown command \(args[1])")
}
