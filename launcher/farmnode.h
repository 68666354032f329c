#pragma once

#include "launcher/nodehealth.h"
#include "launcher/nodekind.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace farmchat {

class ManagedProcess;
class NodeHttpClient;
class ProcessGuard;

// One node of the farm: its process, port and URL, and what its /health
// says. While the process is starting it polls /health quickly (and at once
// when the node prints its "listening" line) and marks it Healthy on the
// first good answer, or kills it when the health timeout passes; while it
// runs it polls every pollIntervalMs so the model shows backplane mode, Redis
// link and clients per node. Owned by FarmSupervisor.
class FarmNode : public QObject
{
    Q_OBJECT
public:
    static constexpr int kStartPollMs = 25;

    FarmNode(quint16 port, ProcessGuard &guard, NodeHttpClient &http, QObject *parent = nullptr);
    ~FarmNode() override;

    ManagedProcess *process() const { return m_process.get(); }
    QString name() const; // "node-9090"
    quint16 port() const { return m_port; }
    QUrl url() const; // http://127.0.0.1:9090/
    const NodeHealth &health() const { return m_health; }

    void setHealthTimeoutMs(int ms) { m_healthTimeoutMs = ms; }
    void setPollIntervalMs(int ms) { m_pollIntervalMs = ms; }

    // The command line of node `port` in a farm of `farmPorts`: its port and
    // id, the Redis URL (never a password), the mode, and every other node of
    // the farm as an allowed origin (both 127.0.0.1 and localhost spellings).
    // `publicPort`, when not 0, is the farm's load balancer on 127.0.0.1:
    // the node accepts its Host and Origin too (--public-url).
    static QStringList commandLine(quint16 port, const QList<quint16> &farmPorts,
        const QString &redisUrl, BackplaneMode mode, quint16 publicPort = 0);
    // Sentinel topology: the next run finds Redis through these Sentinels
    // (--redis-sentinel, --redis-master-name) instead of --redis, with their
    // password in FARMCHAT_SENTINEL_PASSWORD. An empty list: --redis.
    void setSentinels(const QString &list, const QString &masterName, const QByteArray &password)
    {
        m_sentinels = list;
        m_masterName = masterName;
        m_sentinelPassword = password;
    }
    // Redis Cluster topology: the next run gets --redis-cluster with these
    // seeds ("host:port,...", its own shard's primary first) instead of --redis.
    void setClusterSeeds(const QString &seeds) { m_clusterSeeds = seeds; }
    // Sentinel or cluster topology, streams mode: the next run confirms a Send once
    // `replicas` replicas have it, waiting at most timeoutMs (--stream-wait-
    // replicas, --stream-wait-timeout); 0 replicas: no WAIT.
    void setStreamWait(int replicas, int timeoutMs)
    {
        m_streamWaitReplicas = replicas;
        m_streamWaitTimeoutMs = timeoutMs;
    }
    // Which server the next run starts (its flags differ a little).
    void setKind(NodeKind kind) { m_kind = kind; }
    // The load balancer in front of the farm (0: none); used by the next run.
    void setPublicPort(quint16 port) { m_publicPort = port; }

    // Sets the next run's program, command line and environment (the secrets
    // go there, never into argv). An empty Redis password is not passed on.
    void prepareRun(const QString &program, const QList<quint16> &farmPorts,
        const QString &redisUrl, BackplaneMode mode, const QByteArray &redisPassword,
        const QByteArray &adminToken);

    // Asks /health now instead of at the next tick (e.g. right after a switch).
    void pollNow();

Q_SIGNALS:
    void becameHealthy();
    // The run that was starting will not become healthy: it exited, or it was
    // killed for not answering /health in time. `error` says which, with its
    // last output lines.
    void startFailed(const QString &error);
    void healthChanged();

private:
    void onStateChanged();
    void poll();
    void onHealth(const Result<NodeHealth> &result);
    void setHealth(const NodeHealth &health);
    QString lastLines() const;

    std::unique_ptr<ManagedProcess> m_process;
    NodeHttpClient &m_http;
    QTimer m_pollTimer;
    QTimer m_deadline;
    NodeHealth m_health;
    QString m_lastPollError;
    quint16 m_port;
    QString m_clusterSeeds;
    QString m_sentinels;
    QString m_masterName;
    QByteArray m_sentinelPassword;
    int m_streamWaitReplicas = 1;
    int m_streamWaitTimeoutMs = 500;
    quint16 m_publicPort = 0;
    NodeKind m_kind = NodeKind::FarmChat;
    int m_healthTimeoutMs = 15000;
    int m_pollIntervalMs = 1000;
    bool m_inFlight = false;
    bool m_pollAgain = false;
};

} // namespace farmchat
