#include "server/nodemetrics.h"

#include <QTextStream>

#include <algorithm>

namespace farmchat {

void LatencyHistogram::record(double ms)
{
    const auto it = std::lower_bound(kBucketsMs.begin(), kBucketsMs.end(), ms);
    ++m_buckets[std::size_t(it - kBucketsMs.begin())];
    ++m_count;
    m_sum += ms;
}

double LatencyHistogram::quantileUpperBound(double q) const
{
    if (m_count == 0)
        return 0;
    const qint64 rank = qMax<qint64>(1, qint64(q * double(m_count) + 0.999999));
    qint64 seen = 0;
    for (std::size_t i = 0; i < m_buckets.size(); ++i) {
        seen += m_buckets[i];
        if (seen >= rank)
            return i < kBucketsMs.size() ? kBucketsMs[i] : kBucketsMs.back() * 10;
    }
    return kBucketsMs.back() * 10;
}

namespace {

// Label values are escaped as the exposition format requires.
QString escapeLabel(QString value)
{
    value.replace(u'\\', QLatin1String("\\\\"));
    value.replace(u'"', QLatin1String("\\\""));
    value.replace(u'\n', QLatin1String("\\n"));
    return value;
}

class Writer
{
public:
    explicit Writer(QString nodeLabel) : m_node(std::move(nodeLabel)), m_out(&m_text) { }

    void header(const char *name, const char *type, const char *help)
    {
        m_out << "# HELP " << name << ' ' << help << '\n'
              << "# TYPE " << name << ' ' << type << '\n';
    }
    void sample(const char *name, double value, const QString &extraLabels = {})
    {
        m_out << name << "{node=\"" << m_node << '"';
        if (!extraLabels.isEmpty())
            m_out << ',' << extraLabels;
        m_out << "} " << QString::number(value, 'g', 15) << '\n';
    }
    void single(const char *name, const char *type, const char *help, double value,
        const QString &extra = {})
    {
        header(name, type, help);
        sample(name, value, extra);
    }
    template<typename Key>
    void labelled(const char *name, const char *type, const char *help, const char *label,
        const QMap<Key, qint64> &values, QStringList alwaysShown = {})
    {
        header(name, type, help);
        QMap<QString, qint64> rows;
        for (const QString &k : alwaysShown)
            rows.insert(k, 0);
        for (auto it = values.cbegin(); it != values.cend(); ++it) {
            if constexpr (std::is_same_v<Key, QString>)
                rows[it.key()] += it.value();
            else
                rows[QString::number(it.key())] += it.value();
        }
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            sample(name, double(it.value()),
                QStringLiteral("%1=\"%2\"").arg(QLatin1String(label), escapeLabel(it.key())));
    }
    QByteArray bytes()
    {
        m_out.flush();
        return m_text.toUtf8();
    }
    QTextStream &stream() { return m_out; }
    const QString &node() const { return m_node; }

private:
    QString m_node;
    QString m_text;
    QTextStream m_out;
};

} // namespace

QByteArray NodeMetrics::toPrometheus(const QString &nodeId, const QString &mode) const
{
    Writer w(escapeLabel(nodeId));
    w.single("farmchat_backplane_mode", "gauge", "Current backplane mode (label mode).", 1,
        QStringLiteral("mode=\"%1\"").arg(escapeLabel(mode)));
    w.single(
        "farmchat_connections", "gauge", "Open client connections.", double(connectionsCurrent));
    w.single("farmchat_connections_total", "counter", "Client connections accepted since start.",
        double(connectionsTotal));
    w.labelled("farmchat_connections_rejected_total", "counter",
        "Connections refused before upgrade, by reason.", "reason", connectionsRejected);
    w.labelled("farmchat_connections_closed_total", "counter",
        "Client connections closed, by reason.", "reason", connectionsClosed);
    w.labelled("farmchat_messages_received_total", "counter",
        "Chat messages received, by origin (local: this node's clients).", "origin",
        messagesReceived,
        {QStringLiteral("local"), QStringLiteral("pubsub"), QStringLiteral("streams")});
    w.single("farmchat_messages_delivered_total", "counter",
        "messageReceived invocations written to clients.", double(messagesDelivered));
    w.labelled("farmchat_invocations_rejected_total", "counter",
        "Hub invocations answered with an error, by reason.", "reason", invocationsRejected);
    w.single("farmchat_backplane_published_total", "counter",
        "Messages published to the backplane.", double(backplanePublished));
    w.single("farmchat_backplane_received_total", "counter",
        "Messages received from the backplane.", double(backplaneReceived));
    w.labelled("farmchat_backplane_dropped_total", "counter",
        "Messages that did not cross the backplane, by reason.", "reason", backplaneDropped);
    w.single("farmchat_backplane_errors_total", "counter",
        "Backplane errors (Redis errors and failed commands).", double(backplaneErrors));
    w.single("farmchat_backplane_unconfirmed_total", "counter",
        "Messages published whose delivery Redis never confirmed (pubsub: other nodes may or may "
        "not have them; streams: sent again, readers keep the first copy).",
        double(backplaneUnconfirmed));
    w.single("farmchat_backplane_unreplicated_total", "counter",
        "Messages Redis accepted that fewer replicas than asked confirmed in time (streams with "
        "--stream-wait-replicas); each sender was warned.",
        double(backplaneUnreplicated));
    // Per link: a Redis restart reconnects all three links of a node, a CLIENT KILL only one.
    w.labelled("farmchat_redis_reconnects_total", "counter",
        "Reconnections to Redis after a lost connection, by link (commands, subscriber, reader).",
        "link", redisReconnects,
        {QStringLiteral("commands"), QStringLiteral("subscriber"), QStringLiteral("reader")});
    w.single("farmchat_backplane_outbox", "gauge", "Messages waiting for Redis (streams mode).",
        double(outboxDepth));
    w.single("farmchat_rooms", "gauge", "Rooms with at least one client on this node.",
        double(roomsJoined));
    w.single("farmchat_rooms_read", "gauge",
        "Rooms whose messages this node takes from Redis (pubsub: subscribed; streams: read).",
        double(roomsRead));
    w.single("farmchat_rooms_history", "gauge",
        "Rooms in this node's own ring buffer (History when the backplane keeps none).",
        double(roomsInHistory));
    w.single(
        "farmchat_http_requests_total", "counter", "HTTP requests answered.", double(httpRequests));
    w.labelled("farmchat_http_errors_total", "counter", "HTTP error responses, by status.",
        "status", httpErrors);

    const char *lag = "farmchat_backplane_lag_ms";
    w.header(lag, "histogram",
        "Time from publish on the origin node to delivery on this node, in milliseconds.");
    qint64 cumulative = 0;
    const auto &buckets = backplaneLag.buckets();
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += buckets[i];
        const QString le = i < LatencyHistogram::kBucketsMs.size()
            ? QString::number(LatencyHistogram::kBucketsMs[i], 'g', 10)
            : QStringLiteral("+Inf");
        w.stream() << lag << "_bucket{node=\"" << w.node() << "\",le=\"" << le << "\"} "
                   << cumulative << '\n';
    }
    w.stream() << lag << "_sum{node=\"" << w.node() << "\"} "
               << QString::number(backplaneLag.sum(), 'g', 15) << '\n';
    w.stream() << lag << "_count{node=\"" << w.node() << "\"} " << backplaneLag.count() << '\n';
    return w.bytes();
}

} // namespace farmchat
