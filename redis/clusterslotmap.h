#pragma once

#include "core/result.h"
#include "redis/redisvalue.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace farmchat {

// One node of a Redis Cluster as CLUSTER SLOTS names it.
struct ClusterNode
{
    QString host;
    quint16 port = 0;
    QByteArray id; // the node ID; empty when the reply had none

    QString endpoint() const; // host:port
    friend bool operator==(const ClusterNode &a, const ClusterNode &b)
    {
        return a.host == b.host && a.port == b.port && a.id == b.id;
    }
};

// A range of slots and who serves it.
struct ClusterSlotRange
{
    int first = 0;
    int last = 0; // inclusive, as in CLUSTER SLOTS
    ClusterNode primary;
    QList<ClusterNode> replicas;

    friend bool operator==(const ClusterSlotRange &a, const ClusterSlotRange &b)
    {
        return a.first == b.first && a.last == b.last && a.primary == b.primary
            && a.replicas == b.replicas;
    }
};

// Which primary serves each of the 16384 slots, read from a CLUSTER SLOTS
// reply (Redis Cluster spec, "Cluster slots"; Redis 7 reply shape). A value
// type: ClusterRouter keeps one and replaces it on every refresh. The reply
// is untrusted: fromClusterSlots() checks every element and names the first
// problem instead of assuming the shape.
class ClusterSlotMap
{
public:
    ClusterSlotMap() = default; // empty: no slot has an owner

    static Result<ClusterSlotMap> fromClusterSlots(const RedisValue &reply);

    // The primary serving `slot`; nullopt when no range covers it (or the
    // slot is outside 0..16383).
    std::optional<ClusterNode> primaryFor(int slot) const;
    // Every primary once, in the order of its first range.
    QList<ClusterNode> primaries() const;
    // Whether the node at `endpoint` (host:port) serves any slot.
    bool hasPrimary(const QString &endpoint) const;
    const QList<ClusterSlotRange> &ranges() const { return m_ranges; }
    int coveredSlots() const;
    bool isComplete() const { return coveredSlots() == 16384; }
    bool isEmpty() const { return m_ranges.isEmpty(); }

    friend bool operator==(const ClusterSlotMap &a, const ClusterSlotMap &b)
    {
        return a.m_ranges == b.m_ranges;
    }
    friend bool operator!=(const ClusterSlotMap &a, const ClusterSlotMap &b) { return !(a == b); }

private:
    QList<ClusterSlotRange> m_ranges; // sorted by first, never overlapping
};

// A cluster redirect error (spec, "MOVED Redirection" and "ASK redirection"):
// "MOVED 3999 127.0.0.1:6381" (the slot has a new owner: refresh the map) or
// "ASK 3999 127.0.0.1:6381" (during a migration: ask that node once, after
// ASKING, and keep the map).
struct ClusterRedirect
{
    enum class Kind { Moved, Ask };
    Kind kind = Kind::Moved;
    int slot = 0;
    // Empty when Redis does not know its preferred endpoint (it then sends
    // ":port"): the same host as the node that answered.
    QString host;
    quint16 port = 0;

    QString endpoint() const; // host:port

    // Whether `reply` is a MOVED or ASK error at all.
    static bool isRedirect(const RedisValue &reply);
    // The redirect in an error text; an error naming the problem when it is
    // not a well-formed MOVED or ASK.
    static Result<ClusterRedirect> parse(const QByteArray &errorText);
};

} // namespace farmchat
