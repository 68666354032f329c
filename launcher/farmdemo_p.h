#pragma once

#include "client/deliverytracker.h"
#include "launcher/demochapter_p.h"
#include "protocol/backplanemode.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <vector>

namespace farmchat {

class ChatClient;
class ConsoleReporter;
class FarmSupervisor;
struct ChatMessage;

// The headless demo (--demo): one chat client per node of a running farm;
// for each backplane mode in turn it switches the farm, waits until every
// node reports the mode (and a Redis link when the mode needs one), sends one
// message from each client, waits for the deliveries to settle, and prints
// the delivery matrix. It passes when every cell of every mode is what that
// mode promises — including the cells `off` must leave empty. Used by
// LauncherCli; every wait is bounded.
class FarmDemo : public DemoChapter
{
    Q_OBJECT
public:
    static constexpr int kConnectTimeoutMs = 10000;
    static constexpr int kSwitchTimeoutMs = 10000; // switch + every node reporting the mode
    // After a switch that restarted the nodes: every client connected again.
    static constexpr int kReconnectTimeoutMs = 15000;
    static constexpr int kWarmUpTimeoutMs = 5000;
    static constexpr int kWarmUpResendMs = 500;
    static constexpr int kRoundTimeoutMs = 15000;
    static constexpr int kGraceMs = 1000; // how long a promised message may take

    FarmDemo(FarmSupervisor &farm, ConsoleReporter &reporter, QList<BackplaneMode> modes,
        QObject *parent = nullptr);
    ~FarmDemo() override;

    void start() override;
    void cancel() override;

private:
    void beginMode();
    void waitForClients();
    void warmUp();
    void sendWarmUps();
    bool warmedUp(size_t sender) const;
    void sendRound();
    void checkRoundDone();
    void endMode();
    void onReceived(int pane, const ChatMessage &message, bool fromHistory);
    void fail(const QString &why);
    void armDeadline(int ms, const QString &what);

    enum class Phase {
        Idle,
        Connecting,
        WaitingForBackplane,
        Reconnecting,
        WarmingUp,
        Sending,
        Done
    };

    const QList<BackplaneMode> m_modes;
    std::vector<std::unique_ptr<ChatClient>> m_clients;
    QStringList m_panes; // pane id per client, "pane-node-9090"
    QStringList m_nodes; // node id per client
    DeliveryTracker m_tracker;
    QTimer m_deadline;
    QElapsedTimer m_switchClock; // from the start of the current mode's switch
    qint64 m_switchMs = -1; // until every node reported the mode
    QString m_deadlineWhat;
    std::vector<QSet<QString>> m_seen; // per pane: ids received (warm-up check)
    QTimer m_warmUpResend;
    std::vector<QSet<QString>> m_warmUpIds; // per client: its warm-up messages
    QList<int> m_rows; // tracker rows of the current mode
    QStringList m_sendErrors;
    QStringList m_results; // "off PASS", …
    Phase m_phase = Phase::Idle;
    int m_modeIndex = 0;
    int m_connected = 0;
    int m_sendsLeft = 0;
    bool m_allPassed = true;
};

} // namespace farmchat
