#pragma once

#include "core/result.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <vector>

namespace farmchat {

class FarmSupervisor;

// What the Sentinels of a running --redis-topology sentinel farm say, asked
// twice a second over one asynchronous link per Sentinel (nothing waits on
// the GUI thread): which server is the primary (SENTINEL
// GET-MASTER-ADDR-BY-NAME), whether the quorum is reachable (SENTINEL
// CKQUORUM) and which Sentinels answer. The topology and the Faults dock
// draw roles from here, so they swap as soon as the Sentinels agree on a new
// primary. forceFailover() sends SENTINEL FAILOVER to a Sentinel that
// answers. The Sentinel password comes from the farm (SentinelGroup), never
// from argv or a log. Idle (no links) unless the farm runs with Sentinels.
class SentinelWatch : public QObject
{
    Q_OBJECT
public:
    static constexpr int kPollMs = 500;

    explicit SentinelWatch(FarmSupervisor &farm, QObject *parent = nullptr);
    ~SentinelWatch() override;

    bool isActive() const { return !m_links.empty(); }
    // The primary's port as most answering Sentinels say; 0: none known.
    quint16 primaryPort() const;
    // Some answering Sentinel says the quorum is reachable (CKQUORUM OK).
    bool hasQuorum() const;
    // What CKQUORUM said ("OK 3 usable Sentinels…", "NOQUORUM 1 usable…"),
    // or why no Sentinel answers.
    QString quorumText() const;
    int sentinelCount() const { return int(m_links.size()); }
    bool isReachable(int sentinel) const;
    // The farm's two Redis servers: 0 is the one started as primary
    // ("redis"), 1 the one started as its replica ("redis-replica"). Their
    // process index in the supervisor (-1: none) and port.
    static constexpr int kServers = 2;
    int serverProcess(int server) const;
    quint16 serverPort(int server) const;
    // The server the Sentinels name as primary; -1 while none is known.
    int primaryServer() const;
    // Process index of Sentinel `sentinel` in the supervisor (-1: none).
    int sentinelProcess(int sentinel) const;
    // SENTINEL FAILOVER <name> to the first Sentinel that answers;
    // failoverFinished() follows.
    void forceFailover();

Q_SIGNALS:
    // Primary, quorum or a Sentinel's reachability changed.
    void changed();
    void failoverFinished(const farmchat::Result<void> &done);

private:
    struct Link;
    void begin();
    void end();
    void poll();
    void ask(Link &link);
    void update(Link &link, bool reachable, quint16 primary, const QString &quorum);

    FarmSupervisor &m_farm;
    std::vector<std::unique_ptr<Link>> m_links;
    QTimer m_timer;
    QByteArray m_masterName;
};

} // namespace farmchat
