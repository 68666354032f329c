#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace farmchat {

// What one direction of a link suffers. Zero everywhere: healthy.
struct DirectionFault
{
    int latencyMs = 0; // added one-way delay
    int jitterMs = 0; // each chunk delayed by latency ± up to jitter (order kept)
    qint64 bytesPerSecond = 0; // bandwidth cap; 0: unlimited
    bool operator==(const DirectionFault &) const = default;
};

// The faults on one link (a TCP path such as node -> Redis), changeable live.
// "Up" is from the connecting side (the node) to the target (Redis), "down"
// the way back.
struct LinkFault
{
    DirectionFault up;
    DirectionFault down;
    // A partition: connections stay open, bytes stop both ways and are held
    // (bounded: the proxy stops reading, so TCP backpressure reaches the
    // sender); heal() delivers them in order, as TCP would after a partition
    // ends.
    bool partitioned = false;
    bool refuseNew = false; // new connections are closed as soon as they arrive

    bool isHealthy() const { return *this == LinkFault {}; }
    bool operator==(const LinkFault &) const = default;
    // Short, for labels: "50±10 ms · 64 KiB/s · partitioned"; "" when healthy.
    QString summary() const;
    // {"latencyMs", "jitterMs", "bandwidthKiBps" (both directions), or "up"/"down"
    // objects with those fields, "partitioned", "refuseNew"}; absent fields stay
    // healthy. Refuses unknown fields, wrong types and values out of range
    // (latency and jitter 0..60000 ms, jitter <= latency, bandwidth 0..1048576 KiB/s),
    // naming the field.
    static Result<LinkFault> fromJson(const QJsonObject &json);
    QJsonObject toJson() const;
};

// Counters of one proxy since it started listening.
struct LinkStats
{
    qint64 bytesUp = 0; // delivered to the target
    qint64 bytesDown = 0; // delivered back to the connecting side
    qint64 accepted = 0; // connections taken
    qint64 refused = 0; // closed at once by refuseNew (or because the target refused)
    qint64 resets = 0; // connections cut by reset()
};

} // namespace farmchat
