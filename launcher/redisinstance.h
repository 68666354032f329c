#pragma once

#include "launcher/redisconfig.h"

#include <QObject>
#include <QTemporaryDir>

#include <memory>

namespace farmchat {

class ManagedProcess;
class ProcessGuard;
class RedisMemoryPoll;
class RedisPing;

// The farm's private redis-server: a free loopback port, a random strong
// password, no persistence, its own temp dir, configured through stdin so the
// password is never in argv. Healthy once it answers PING with that password.
// restart() keeps port and password; the data is gone, which is the point of
// that fault. Owned by FarmSupervisor.
class RedisInstance : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultReadyTimeoutMs = 10000;
    static constexpr int kPortRetries = 3; // when an auto-picked port is taken meanwhile

    // `program` is a redis-server found by ExecutableLocator; `guard` outlives this.
    RedisInstance(const QString &program, ProcessGuard &guard, QObject *parent = nullptr,
        const QString &name = QStringLiteral("redis"));
    ~RedisInstance() override;

    ManagedProcess *process() const { return m_process.get(); }
    quint16 port() const { return m_config.port; }
    QByteArray password() const { return m_config.password; }
    // redis://127.0.0.1:PORT/0: no password in it, safe to pass as an argument.
    QString url() const;
    // Its temp dir while it exists, else empty.
    QString directory() const;
    // The text fed to stdin (contains the password: for tests, never log it).
    QByteArray configText() const { return m_config.toConfigText(); }

    void setLogFile(const QString &path);
    void setReadyTimeoutMs(int ms) { m_readyTimeoutMs = ms; }
    // `maxmemory` of the next start (0: none); the policy is noeviction.
    void setMaxMemoryBytes(qint64 bytes) { m_config.maxMemoryBytes = bytes; }
    // Sentinel topology: the farm's one password on every server, masterauth
    // set, and for the replica the primary it starts following.
    void setPassword(const QByteArray &password) { m_config.password = password; }
    void setReplicated(bool replicated) { m_config.replicated = replicated; }
    void setReplicaOf(quint16 primaryPort) { m_config.replicaOf = primaryPort; }
    // Cluster topology: a cluster node, its bus on a second free port picked
    // with the client port (kept across restarts, as its nodes.conf is).
    void setClusterNode(bool clusterNode) { m_clusterNode = clusterNode; }
    void setClusterNodeTimeoutMs(int ms) { m_config.clusterNodeTimeoutMs = ms; }
    quint16 clusterBusPort() const { return m_config.clusterBusPort; }
    // Redis' own figures (INFO memory), read every 2 s while it is healthy.
    const RedisMemoryPoll &memory() const { return *m_memory; }

    // Starts on `port` (0: a free one). ready() or failed() follows.
    void start(quint16 port = 0);
    // SIGTERM (SIGKILL after the grace period); the temp dir goes once it exited.
    void stop();
    void kill();
    // Same port and password, empty data.
    void restart();

Q_SIGNALS:
    void ready();
    void memoryChanged();
    // Why it did not come up, with its last output lines.
    void failed(const QString &error);

private:
    void onStateChanged();
    bool prepareRun();
    // The client port (`port`, or a free one when 0) and, for a cluster node,
    // a free bus port; failed() and false when none is free.
    bool pickPorts(quint16 port, const QList<quint16> &avoid);
    bool lostPortRace() const;
    QString describeFailure(const QString &what) const;

    std::unique_ptr<ManagedProcess> m_process;
    std::unique_ptr<RedisPing> m_ping;
    std::unique_ptr<RedisMemoryPoll> m_memory;
    std::unique_ptr<QTemporaryDir> m_dir;
    RedisConfig m_config;
    int m_readyTimeoutMs = kDefaultReadyTimeoutMs;
    bool m_clusterNode = false;
    int m_portRetriesLeft = 0;
    bool m_autoPort = false;
    bool m_stopRequested = false;
};

} // namespace farmchat
