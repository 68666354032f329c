#include "launcher/farmdemo_p.h"

#include "client/chatclient.h"
#include "launcher/consolereporter_p.h"
#include "launcher/demomatrix_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"

#include <QDateTime>

namespace farmchat {

FarmDemo::FarmDemo(
    FarmSupervisor &farm, ConsoleReporter &reporter, QList<BackplaneMode> modes, QObject *parent)
    : DemoChapter(farm, reporter, parent), m_modes(std::move(modes))
{
    m_tracker.setGracePeriodMs(kGraceMs);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (m_phase == Phase::WarmingUp) {
            // The round itself will show what does not get through.
            m_reporter.note(QStringLiteral("demo: warm-up incomplete after %1 ms; sending anyway")
                                .arg(kWarmUpTimeoutMs));
            sendRound();
            return;
        }
        fail(QStringLiteral("timed out while %1").arg(m_deadlineWhat));
    });
    m_warmUpResend.setSingleShot(true);
    connect(&m_warmUpResend, &QTimer::timeout, this, &FarmDemo::sendWarmUps);
    connect(&m_tracker, &DeliveryTracker::settled, this, &FarmDemo::checkRoundDone);
}

FarmDemo::~FarmDemo() = default;

void FarmDemo::armDeadline(int ms, const QString &what)
{
    m_deadlineWhat = what;
    m_deadline.start(ms);
}

void FarmDemo::start()
{
    m_running = true;
    m_phase = Phase::Connecting;
    m_reporter.note(QStringLiteral("demo: connecting one chat client to each of %1 nodes")
                        .arg(m_farm.nodeCount()));
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        const FarmNode *node = m_farm.node(i);
        m_nodes << node->name();
        m_panes << QStringLiteral("pane-") + node->name();
        m_tracker.addPane(m_panes.last(), node->name(), {ChatClient::kLobby});
        m_seen.emplace_back();
        auto client = std::make_unique<ChatClient>(node->url());
        ChatClient *raw = client.get();
        connect(&raw->connection(), &HubConnection::connected, this, [this] {
            if (m_phase == Phase::Connecting && ++m_connected == int(m_clients.size()))
                beginMode();
        });
        // Nodes that switch by restarting drop their clients, which come back.
        connect(&raw->connection(), &HubConnection::reconnected, this, [this] {
            if (m_phase == Phase::Reconnecting)
                waitForClients();
        });
        connect(&raw->connection(), &HubConnection::disconnected, this,
            [this, i](const QString &reason) {
                if (m_running)
                    fail(QStringLiteral("the client of %1 lost its node: %2")
                             .arg(m_nodes.value(i), reason));
            });
        connect(raw, &ChatClient::messageReceived, this,
            [this, i](const ChatMessage &message, bool fromHistory) {
                onReceived(i, message, fromHistory);
            });
        // A copy the client suppressed is still a copy the node sent: the matrix counts it.
        connect(raw, &ChatClient::duplicateSuppressed, this,
            [this, i](const ChatMessage &message) { onReceived(i, message, false); });
        raw->setName(QStringLiteral("demo ") + node->name());
        m_clients.push_back(std::move(client));
    }
    armDeadline(kConnectTimeoutMs, QStringLiteral("connecting the clients"));
    for (const auto &client : m_clients) {
        if (!client->start())
            return fail(QStringLiteral("a client could not start connecting"));
    }
}

void FarmDemo::beginMode()
{
    if (!m_running)
        return;
    if (m_modeIndex >= m_modes.size()) {
        finishLater(m_allPassed,
            QStringLiteral("demo %1: %2")
                .arg(m_allPassed ? QStringLiteral("passed") : QStringLiteral("FAILED"),
                    m_results.join(QStringLiteral(", "))));
        return;
    }
    const BackplaneMode mode = m_modes[m_modeIndex];
    m_rows.clear();
    m_sendErrors.clear();
    m_warmUpIds.clear();
    for (QSet<QString> &seen : m_seen)
        seen.clear();
    m_phase = Phase::WaitingForBackplane;
    m_deadline.stop(); // the wait has its own
    m_switchClock.invalidate();
    m_switchMs = -1;
    m_backplane.start(
        mode, kSwitchTimeoutMs,
        [this, mode] {
            m_switchClock.start();
            m_reporter.note(
                QStringLiteral("demo: switching the backplane to %1").arg(modeName(mode)));
        },
        [this](const Result<void> &ready) {
            if (!m_running)
                return;
            if (!ready)
                return fail(ready.error());
            if (m_switchClock.isValid())
                m_switchMs = m_switchClock.elapsed();
            waitForClients();
        });
}

void FarmDemo::waitForClients()
{
    if (!m_running)
        return;
    for (const auto &client : m_clients) {
        if (client->isConnected())
            continue;
        if (m_phase != Phase::Reconnecting) {
            m_phase = Phase::Reconnecting;
            armDeadline(kReconnectTimeoutMs,
                QStringLiteral("waiting for the clients to reconnect after the switch"));
        }
        return;
    }
    if (m_phase == Phase::Reconnecting) {
        m_deadline.stop();
        m_reporter.note(
            QStringLiteral("demo: every node was on %1 %2 ms after the switch began; every "
                           "client was connected again after %3 ms")
                .arg(modeName(m_modes[m_modeIndex]))
                .arg(m_switchMs)
                .arg(m_switchClock.isValid() ? m_switchClock.elapsed() : -1));
    }
    warmUp();
}

void FarmDemo::warmUp()
{
    if (m_modes[m_modeIndex] == BackplaneMode::Off) {
        sendRound();
        return;
    }
    // Every node reports the mode; an untracked message from each that every
    // pane receives proves the links carry traffic before the measured round.
    m_phase = Phase::WarmingUp;
    m_deadline.start(kWarmUpTimeoutMs);
    m_warmUpIds.assign(m_clients.size(), {});
    m_sendsLeft = 0;
    sendWarmUps();
}

void FarmDemo::sendWarmUps()
{
    if (!m_running || m_phase != Phase::WarmingUp)
        return;
    // Again from each client whose earlier ones have not reached every pane:
    // a node may still be subscribing (an ASP.NET Core node joins its
    // clients to the lobby after their handshake).
    for (size_t i = 0; i < m_clients.size(); ++i) {
        if (warmedUp(i))
            continue;
        ++m_sendsLeft;
        m_clients[i]->send(QStringLiteral("(warm-up from %1)").arg(m_nodes[int(i)]),
            ChatClient::kLobby, [this, i](const Result<QString> &id) {
                if (m_phase != Phase::WarmingUp)
                    return;
                if (id)
                    m_warmUpIds[i].insert(id.value());
                --m_sendsLeft;
                checkRoundDone();
            });
    }
    m_warmUpResend.start(kWarmUpResendMs);
}

bool FarmDemo::warmedUp(size_t sender) const
{
    for (const QString &id : m_warmUpIds[sender]) {
        bool everywhere = true;
        for (const QSet<QString> &seen : m_seen)
            everywhere = everywhere && seen.contains(id);
        if (everywhere)
            return true;
    }
    return false;
}

void FarmDemo::sendRound()
{
    if (!m_running)
        return;
    const BackplaneMode mode = m_modes[m_modeIndex];
    m_warmUpResend.stop();
    m_phase = Phase::Sending;
    armDeadline(kRoundTimeoutMs, QStringLiteral("waiting for the %1 round").arg(modeName(mode)));
    m_sendsLeft = int(m_clients.size());
    for (size_t i = 0; i < m_clients.size(); ++i) {
        const QString pane = m_panes[int(i)];
        const QString node = m_nodes[int(i)];
        const qint64 sentAt = QDateTime::currentMSecsSinceEpoch();
        m_clients[i]->send(QStringLiteral("hello from %1 (%2)").arg(node, modeName(mode)),
            ChatClient::kLobby, [this, pane, node, mode, sentAt](const Result<QString> &id) {
                if (m_phase != Phase::Sending)
                    return;
                if (id) {
                    const int row = m_tracker.recordSent(
                        {id.value(), pane, ChatClient::kLobby, node, mode, sentAt});
                    if (row >= 0)
                        m_rows << row;
                } else {
                    m_sendErrors << node + QStringLiteral(": ") + id.error();
                }
                --m_sendsLeft;
                checkRoundDone();
            });
    }
}

void FarmDemo::onReceived(int pane, const ChatMessage &message, bool fromHistory)
{
    if (!m_running)
        return;
    m_tracker.recordReceived(
        m_panes[pane], message, QDateTime::currentMSecsSinceEpoch(), fromHistory);
    m_seen[size_t(pane)].insert(message.id);
    if (m_phase == Phase::WarmingUp)
        checkRoundDone();
}

void FarmDemo::checkRoundDone()
{
    if (!m_running || m_sendsLeft > 0)
        return;
    if (m_phase == Phase::WarmingUp) {
        for (size_t i = 0; i < m_clients.size(); ++i) {
            if (!warmedUp(i))
                return;
        }
        sendRound();
    } else if (m_phase == Phase::Sending && m_tracker.isSettled()) {
        endMode();
    }
}

void FarmDemo::endMode()
{
    m_deadline.stop();
    const BackplaneMode mode = m_modes[m_modeIndex];
    const bool passed = DemoMatrix::passed(m_tracker, m_rows) && m_sendErrors.isEmpty()
        && m_rows.size() == qsizetype(m_clients.size());
    if (m_reporter.isJson()) {
        QJsonObject matrix = DemoMatrix::json(m_tracker, m_rows, mode);
        matrix.insert(QStringLiteral("ok"), passed);
        matrix.insert(QStringLiteral("sendErrors"), QJsonArray::fromStringList(m_sendErrors));
        m_reporter.jsonEvent(QStringLiteral("matrix"), matrix);
    } else {
        m_reporter.print(DemoMatrix::text(m_tracker, m_rows, mode, m_reporter.hasColour()));
        for (const QString &error : std::as_const(m_sendErrors))
            m_reporter.print(QStringLiteral("  send failed: %1\n").arg(error));
    }
    m_results << modeName(mode) + (passed ? QStringLiteral(" ✓") : QStringLiteral(" ✗"));
    m_allPassed = m_allPassed && passed;
    ++m_modeIndex;
    // Out of the tracker's or a client's signal before the next switch.
    m_phase = Phase::Idle;
    QTimer::singleShot(0, this, &FarmDemo::beginMode);
}

void FarmDemo::fail(const QString &why)
{
    if (!m_running)
        return;
    m_reporter.printError(QStringLiteral("demo: ") + why);
    m_results << QStringLiteral("stopped (%1)").arg(why);
    finishLater(false, QStringLiteral("demo FAILED: ") + m_results.join(QStringLiteral(", ")));
}

void FarmDemo::cancel()
{
    m_running = false;
    m_phase = Phase::Done;
    m_deadline.stop();
    m_warmUpResend.stop();
    m_backplane.cancel();
    for (const auto &client : m_clients)
        client->stop();
}

} // namespace farmchat
