#pragma once

#include "launcher/demochapter_p.h"
#include "launcher/lbpolicy.h"
#include "protocol/backplanemode.h"

#include <QMap>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace farmchat {

class ChatClient;
class ConsoleReporter;
class FarmSupervisor;

// The load-balancer chapter of --demo, run after the backplane matrix when
// the farm has a balancer. Through the balancer's URL it connects clients
// one after another with negotiation, then skipping it, and counts the
// failures: round-robin with negotiation is expected to fail (negotiate and
// WebSocket reach different nodes: 404 "No Connection with that ID"),
// sticky and source, or any policy without negotiation, to fail never. Then
// two clients the balancer put on different nodes show the backplane: with
// `off` they do not hear each other, with `pubsub` they do. Nodes that
// switch by restarting (ASP.NET Core) drop those clients at each switch, so
// after one the chapter connects a new pair through the balancer. It passes
// when every cell is what it should be. Every wait is bounded.
class LbDemo : public DemoChapter
{
    Q_OBJECT
public:
    static constexpr int kConnects = 12; // per cell
    static constexpr int kConnectTimeoutMs = 5000; // per client
    static constexpr int kSwitchTimeoutMs = 10000;
    static constexpr int kRestartSwitchTimeoutMs = 30000; // every node restarts
    // A new pair after a restart: tries, and the pause after one the balancer
    // refused or put on the same node as the others (40 x 250 ms: 10 s).
    static constexpr int kPairAttempts = 40;
    static constexpr int kPairRetryMs = 250;
    static constexpr int kSilenceMs = 1000; // how long `off` must stay silent
    static constexpr int kDeliveryTimeoutMs = 5000;

    LbDemo(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent = nullptr);
    ~LbDemo() override;

    void start() override;
    void cancel() override;

private:
    void connectNext();
    void endConnectCell();
    void beginCrossNode();
    std::unique_ptr<ChatClient> makeClient() const;
    // `then` once every node is on `mode`; with `needPair`, also once two
    // connected clients are on different nodes (connecting a new pair when a
    // restart dropped them).
    void switchBackplane(BackplaneMode mode, bool needPair, std::function<void()> then);
    void connectPair(std::function<void()> then);
    // Two connected clients the balancer put on different nodes, or nulls.
    std::pair<ChatClient *, ChatClient *> pairOnTwoNodes() const;
    void sendAcross(BackplaneMode mode);
    void reportCell(const QString &cell, bool ok, const QString &detail, QJsonObject fields);
    void fail(const QString &why);
    void finish();

    LbPolicy m_policy;
    BackplaneMode m_originalMode;
    std::vector<std::unique_ptr<ChatClient>> m_clients; // of the current cell
    std::vector<std::unique_ptr<ChatClient>> m_kept; // connected, skipping negotiation
    std::vector<std::unique_ptr<ChatClient>> m_finished; // of earlier cells, stopped
    QMap<QString, int> m_landed; // node -> clients of the current cell
    QStringList m_errors; // of the current cell, distinct
    QStringList m_results;
    QTimer m_deadline;
    std::unique_ptr<QObject> m_round; // the listeners of one cross-node round
    std::unique_ptr<QObject> m_pairAttempt; // the listeners of one pair client connecting
    QString m_expectedId;
    // What the receiving client got this round: the message may arrive before
    // its sender learns the id (Redis forwards it before answering PUBLISH).
    QSet<QString> m_roundIds;
    bool m_skipNegotiation = false;
    bool m_received = false;
    int m_attempt = 0;
    int m_pairAttempts = 0;
    bool m_switched = false; // the last switchBackplane() changed the farm's mode
    int m_failures = 0;
    bool m_allPassed = true;
};

} // namespace farmchat
