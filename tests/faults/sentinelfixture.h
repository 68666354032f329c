#pragma once

// What the Sentinel fault tests share: the launcher's Sentinel topology
// (farmchat-launcher --redis-topology sentinel, read from its ready event and
// the Sentinel config it wrote), a steady message pump, and the checks on
// where each node's Redis links are.
#include "core/result.h"
#include "tests/faults/faultcheck.h"
#include "tests/support/testlauncher.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTimer>

#include <memory>

namespace farmchat::test {

constexpr int kSentinelDownAfterMs = 1000;

struct SentinelTopology
{
    std::unique_ptr<TestLauncher> launcher;
    qint64 primaryPid = 0;
    quint16 primaryPort = 0;
    quint16 replicaPort = 0;
    QList<qint64> sentinelPids;
    QList<quint16> sentinelPorts;
    QByteArray redisPassword;
    QByteArray sentinelPassword;
    QString configDir; // the Sentinels' private directory

    // "127.0.0.1:P1,…": what nodes get as --redis-sentinel.
    QString sentinelList() const;
    QString primaryAddress() const; // "127.0.0.1:PORT" of the first primary
    // Starts the launcher with one node of its own.
    Result<void> start();
    // Every file in the Sentinels' directory is 0600: the ones the launcher
    // wrote and the ones Sentinel rewrote (a rewrite creates a new file).
    Result<void> filesOpenToOthers() const;
    // After a failover every Sentinel has rewritten its config to monitor the
    // new primary; then the rewritten files must still be 0600.
    Result<void> rewrittenConfigsArePrivate(const QString &newPrimary) const;
    // ROLE of the Redis on `port`, as "master", "slave of 127.0.0.1:P
    // (connected)", or the error.
    QString roleOf(quint16 port) const;

private:
    Result<void> readReadyEvent(const QJsonObject &ready);
    Result<void> readPasswords();
};

QJsonObject sentinelHealth(TestFarm &farm, int node);

// Polls every node's /health until each names a primary other than
// oldPrimary with its links up; the ms `since` shows then, or -1 once
// `since` passes timeoutMs.
qint64 everyNodeMoved(
    TestFarm &farm, const QString &oldPrimary, const QElapsedTimer &since, int timeoutMs);

// Sum over the nodes of their /health redisSentinel failovers, and the
// largest lastRecoveryMs.
struct FailoverCounts
{
    qint64 failovers = 0;
    qint64 nodeRecoveryMs = 0;
    qint64 unreplicated = 0; // farmchat_backplane_unreplicated_total, summed
    int historyResets = 0; // over the seats
};
FailoverCounts failoverCounts(TestFarm &farm);

} // namespace farmchat::test
