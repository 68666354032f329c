#pragma once

#include "launcher/redisconfig.h"

#include <QObject>
#include <QTemporaryDir>
#include <QTimer>

#include <memory>
#include <vector>

namespace farmchat {

class ManagedProcess;
class ProcessGuard;
class RedisConnection;
class RedisInstance;
class RedisPing;

// What --redis-topology sentinel adds to the farm's primary (a RedisInstance
// owned by FarmSupervisor): one replica (replicaof + masterauth, same
// password) and three Sentinels (`redis-server FILE --sentinel`, quorum 2)
// on free loopback ports. Each is a supervised child with its own log, dying
// with the launcher. Sentinel configs are files in one private temp dir
// (0700, files 0600) because Sentinel rewrites them; the Sentinels have a
// password of their own, and neither password is ever in argv.
//
// ready() once the replica answers, every Sentinel answers PING, and a
// Sentinel says the quorum is reachable with the replica known: from then on
// killing the primary fails over.
class SentinelGroup : public QObject
{
    Q_OBJECT
public:
    static constexpr int kSentinels = 3;

    SentinelGroup(const QString &program, ProcessGuard &guard, QObject *parent = nullptr);
    ~SentinelGroup() override;

    RedisInstance *replica() const { return m_replica.get(); }
    int sentinelCount() const { return int(m_sentinels.size()); }
    ManagedProcess *sentinelProcess(int index) const;
    quint16 sentinelPort(int index) const;
    // "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3": what nodes get as --redis-sentinel.
    QString sentinelList() const;
    QString masterName() const { return m_masterName; }
    QByteArray sentinelPassword() const { return m_password; }
    QString directory() const { return m_dir ? m_dir->path() : QString(); }
    QString configPath(int index) const;

    void setDownAfterMs(int ms) { m_downAfterMs = ms; }
    void setReadyTimeoutMs(int ms) { m_readyTimeoutMs = ms; }
    void setStopGraceMs(int ms);
    // Per-process log files: `logFileFor(name)` for each child.
    void setLogFiles(const std::function<QString(const QString &)> &logFileFor);

    // The primary is up on `primaryPort` with `password`: starts the replica
    // and the Sentinels. ready() or failed() follows.
    void start(quint16 primaryPort, const QByteArray &password, qint64 maxMemoryBytes);
    void stop();
    bool isLive() const;
    void restartSentinel(int index);

Q_SIGNALS:
    void ready();
    void failed(const QString &error);

private:
    struct Sentinel;
    bool writeConfig(Sentinel &sentinel);
    void onSentinelState(Sentinel &sentinel);
    void waitForReplicaSync();
    void pollReplicaSync();
    void checkReady();
    void pollQuorum();

    QString m_program;
    QString m_masterName = QStringLiteral("farmchat");
    QByteArray m_password;
    QByteArray m_redisPassword;
    quint16 m_primaryPort = 0;
    int m_downAfterMs = SentinelConfig::kDefaultDownAfterMs;
    int m_readyTimeoutMs = 10000;
    std::unique_ptr<RedisInstance> m_replica;
    std::vector<std::unique_ptr<Sentinel>> m_sentinels;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RedisConnection> m_probe; // replica sync, then CKQUORUM, while starting
    QTimer m_syncTimer; // INFO replication on the replica while starting
    QTimer m_quorumTimer;
    QTimer m_deadline;
    QString m_lastQuorumAnswer;
    bool m_replicaReady = false;
    bool m_starting = false;
};

} // namespace farmchat
