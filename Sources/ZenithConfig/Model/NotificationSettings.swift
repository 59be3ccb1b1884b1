import ZenithAMQP

/// `[notifications]`: where Zenith consumes OpenStack's oslo.messaging notifications (issue 15).
/// Without it the message bus is never contacted and `[[notify]]` entries are refused.
///
/// The transport URL holds the broker's password, so it lives in a file of its own
/// (`transport_url_file`, as readable as the config but not in it); the loader reads and parses
/// it so that `zenith check` finds a bad URL without connecting. Its `description` never shows
/// the password, and nothing logs the URL otherwise.
public struct NotificationSettings: Sendable, Equatable {
    /// The file holding oslo's `transport_url` (resolved against the config file's folder).
    public var transportURLFile: String
    /// What that file says, parsed.
    public var transportURL: AMQPTransportURL
    /// CA bundle (PEM) for a `?ssl=1` URL; the system's trust store when absent.
    public var caFile: String?
    /// How many deliveries may wait unacknowledged (basic.qos). Default 100.
    public var prefetch: Int
    /// The heartbeat interval proposed to the broker. Default 30s.
    public var heartbeat: Duration
    /// The largest notification body accepted; a larger one is rejected without requeue. Default 1 MiB.
    public var maxMessageBytes: Int

    public init(
        transportURLFile: String, transportURL: AMQPTransportURL, caFile: String? = nil, prefetch: Int = 100,
        heartbeat: Duration = .seconds(30), maxMessageBytes: Int = 1 << 20
    ) {
        self.transportURLFile = transportURLFile
        self.transportURL = transportURL
        self.caFile = caFile
        self.prefetch = prefetch
        self.heartbeat = heartbeat
        self.maxMessageBytes = maxMessageBytes
    }
}

/// One `[[notify]]` entry: which notifications of which exchange become the Socket.IO event
/// `notify:<name>`, in which room, with which fields of the payload; and, with `watch`, which
/// watcher polls the room's scope when one arrives. Checked by the loader; ZenithRealtime's
/// `NotificationRule` is made from it.
public struct NotifySettings: Sendable, Hashable {
    /// One entry of `fields`: the name sent and the dotted path of its value in the payload.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public var name: String
    /// The exchange the service publishes to (`nova`, `cinder`, `neutron`, `glance`, or oslo's
    /// `control_exchange`); declared passively, never created.
    public var exchange: String
    /// oslo's notification topic; the queue is bound to `<topic>.info` and `<topic>.error`.
    /// Default "notifications" (Nova's versioned ones use "versioned_notifications").
    public var topic: String
    /// `event_type` globs (`instance.*`).
    public var events: [String]
    /// Room template over payload paths (`project:{nova_object.data.tenant_id}`).
    public var room: String
    /// What of the payload is pushed, in key order.
    public var fields: [Field]
    /// A `[[watch]]` whose scope named by `room` is polled at once when a notification arrives.
    public var watch: String?

    public init(
        name: String, exchange: String, topic: String = "notifications", events: [String], room: String,
        fields: [Field] = [], watch: String? = nil
    ) {
        self.name = name
        self.exchange = exchange
        self.topic = topic
        self.events = events
        self.room = room
        self.fields = fields
        self.watch = watch
    }

    /// The routing keys oslo's notifiers publish to for this topic at the priorities that say
    /// something changed (`info`) or failed (`error`).
    public var routingKeys: [String] { [topic + ".info", topic + ".error"] }
}
