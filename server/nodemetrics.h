#pragma once

#include "backplane/backplanecounters.h"

#include <QByteArray>
#include <QMap>
#include <QString>

#include <array>

namespace farmchat {

// A Prometheus-style histogram of milliseconds with fixed buckets.
class LatencyHistogram
{
public:
    static constexpr std::array<double, 14> kBucketsMs {
        0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};

    void record(double ms);
    qint64 count() const { return m_count; }
    double sum() const { return m_sum; }
    // Upper bound of the bucket holding quantile q (0..1); 0 when empty.
    double quantileUpperBound(double q) const;
    const std::array<qint64, kBucketsMs.size() + 1> &buckets() const { return m_buckets; }

private:
    std::array<qint64, kBucketsMs.size() + 1> m_buckets {}; // last: +Inf
    qint64 m_count = 0;
    double m_sum = 0;
};

// Every counter a node exposes on /metrics. The hub and the HTTP layer update
// the fields directly, the backplanes their BackplaneCounters part;
// toPrometheus() is the one renderer.
struct NodeMetrics : BackplaneCounters
{
    qint64 connectionsCurrent = 0;
    qint64 connectionsTotal = 0;
    QMap<QString, qint64> connectionsRejected; // by reason: origin, host, capacity, ...
    QMap<QString, qint64>
        connectionsClosed; // by reason: normal, timeout, slow_reader, protocol_error, ...
    QMap<QString, qint64> messagesReceived; // by origin: local (own clients), pubsub, streams
    qint64 messagesDelivered = 0; // messageReceived invocations written to clients
    QMap<QString, qint64>
        invocationsRejected; // by reason: unknown_method, bad_arguments, rate_limited, ...
    qint64 httpRequests = 0;
    QMap<int, qint64> httpErrors; // by status
    LatencyHistogram backplaneLag; // origin sentAt to delivery on this node, cross-node only
    // Gauges filled in when /metrics is asked: rooms with a client here, rooms
    // the backplane reads from Redis, rooms in the node's own ring buffer.
    qint64 roomsJoined = 0;
    qint64 roomsRead = 0;
    qint64 roomsInHistory = 0;

    QByteArray toPrometheus(const QString &nodeId, const QString &mode) const;
};

} // namespace farmchat
