#pragma once

#include "redis/redisconnection.h"
#include "redis/redisurl.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace farmchat {

struct SentinelOptions
{
    QList<RedisUrl> sentinels; // host:port of each Sentinel
    QString masterName = QStringLiteral("farmchat");
    QByteArray password; // the Sentinels' own (FARMCHAT_SENTINEL_PASSWORD); never logged
    QString clientName; // prefix of CLIENT SETNAME on the Sentinel links
    int pollMs = 1000; // SENTINEL MASTER and CKQUORUM on every Sentinel
};

// Finds a Sentinel-managed Redis primary and keeps a node's Redis links on
// it. Each Sentinel gets a command link (SENTINEL MASTER, SENTINEL CKQUORUM
// every pollMs) and a subscriber link (+switch-master). The primary is the
// one named by the answer with the highest config epoch; a +switch-master
// event moves the links at once, and a link that is lost, refused, answered
// READONLY or found a replica (ROLE) asks every Sentinel again without
// waiting for the next poll. The links it moves are created with
// RedisConnectionOptions::requirePrimary and started here once the primary
// is known.
class SentinelWatcher : public QObject
{
    Q_OBJECT
public:
    struct SentinelStatus
    {
        QString endpoint;
        bool reachable = false;
        QString error; // the last failure of its link or of its answers; empty: none
    };

    explicit SentinelWatcher(SentinelOptions options, QObject *parent = nullptr);
    ~SentinelWatcher() override;

    void start();
    // Follows the primary from now on; started once it is known.
    void addLink(RedisConnection *link);

    const SentinelOptions &options() const { return m_options; }
    // "host:port" of the primary; empty while unknown.
    QString primary() const;
    // Times the primary moved while this node watched.
    int failovers() const { return m_failovers; }
    // From the first link lost to every link ready on the new primary, in ms,
    // for the last failover that completed; -1: none yet.
    qint64 lastRecoveryMs() const { return m_lastRecoveryMs; }
    // Whether some Sentinel says the quorum and a failover authorisation can be reached.
    bool hasQuorum() const { return m_quorum; }
    // What the Sentinels said about the quorum (CKQUORUM), or why none answered.
    QString quorumText() const { return m_quorumText; }
    QList<SentinelStatus> sentinels() const;
    // One sentence for /health when something is wrong: which Sentinel, and
    // why; empty when the primary is known and the quorum reachable.
    QString problem() const;

Q_SIGNALS:
    void primaryChanged(const QString &endpoint);
    void changed();

private:
    struct Sentinel
    {
        RedisUrl url;
        std::unique_ptr<RedisConnection> commands;
        std::unique_ptr<RedisConnection> events;
        QString error;
        bool masterInFlight = false;
        bool quorumInFlight = false;
    };
    struct Answer
    {
        QString host;
        quint16 port = 0;
        qint64 epoch = -1;
    };

    void poll();
    void askMaster(Sentinel &sentinel);
    void askQuorum(Sentinel &sentinel);
    void onAnswer(const Answer &answer);
    void onSwitchMaster(const QByteArray &payload);
    void rediscoverSoon();
    void movePrimary(const QString &host, quint16 port);
    void onLinkState();
    static qint64 nowMs();

    SentinelOptions m_options;
    std::vector<std::unique_ptr<Sentinel>> m_sentinels;
    std::vector<RedisConnection *> m_links;
    QTimer m_pollTimer;
    QTimer m_soonTimer;
    QString m_host;
    quint16 m_port = 0;
    qint64 m_epoch = -1;
    int m_failovers = 0;
    qint64 m_outageSinceMs = 0; // 0: every link ready
    bool m_movedDuringOutage = false;
    qint64 m_lastRecoveryMs = -1;
    bool m_quorum = false;
    QString m_quorumText = QStringLiteral("no Sentinel has answered yet");
    qint64 m_quorumAtMs = 0;
};

// "host:port,host:port" as Sentinel endpoints (port defaults to 26379).
Result<QList<RedisUrl>> parseSentinelList(const QString &text);

} // namespace farmchat
