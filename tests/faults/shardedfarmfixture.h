#pragma once

#include "core/result.h"
#include "tests/support/testfarm.h"
#include "tests/support/testrediscluster.h"

#include <QByteArrayList>
#include <QHash>
#include <QString>

#include <memory>

namespace farmchat::test {

// What tst_shardedfarm (pub/sub) and tst_shardedstreams share: a real
// 3-shard Redis Cluster, two farmchat-node processes on it (--redis-cluster)
// with one seat each, and kRooms rooms spread over the shards, joined by
// both seats and read by both nodes.
class ShardedFarmFixture
{
public:
    static constexpr int kRooms = 30;

    ~ShardedFarmFixture();

    // Starts the cluster and the farm in `mode`; the rooms are `roomPrefix`0…29.
    Result<void> start(const QString &mode, const QString &roomPrefix);
    void stop();

    QString room(int n) const { return m_roomPrefix + QString::number(n); }
    // The cluster node index owning the slot of `room`'s channel, as started.
    int shardOf(const QString &room) const { return m_shardOf.value(room, -1); }
    // Sends one text ("{label} {room}") per room from seat `from`; returns them by room.
    QHash<QString, QString> sendToEveryRoom(int from, const QString &label);
    // CLUSTER SETSLOT slot {how…} on cluster node `node`; false (logged) when refused.
    bool setSlot(int node, int slot, const QByteArrayList &how);

    TestRedisCluster &cluster() { return *m_cluster; }
    TestFarm &farm() { return *m_farm; }

private:
    std::unique_ptr<TestRedisCluster> m_cluster;
    std::unique_ptr<TestFarm> m_farm;
    QString m_roomPrefix;
    QHash<QString, int> m_shardOf;
};

} // namespace farmchat::test
