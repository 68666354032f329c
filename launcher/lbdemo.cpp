#include "launcher/lbdemo.h"

#include "client/chatclient.h"
#include "launcher/consolereporter_p.h"
#include "launcher/farmsupervisor.h"

#include <QJsonObject>
#include <QPointer>

namespace farmchat {

LbDemo::LbDemo(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent)
    : DemoChapter(farm, reporter, parent)
    , m_policy(farm.config().loadBalancer)
    , m_originalMode(farm.backplane())
{
    m_deadline.setSingleShot(true);
}

LbDemo::~LbDemo() = default;

void LbDemo::start()
{
    m_running = true;
    m_reporter.note(QStringLiteral("demo: the load balancer (%1) at %2")
                        .arg(lbPolicyName(m_policy), m_farm.publicUrl().toString()));
    m_skipNegotiation = false;
    m_attempt = 0;
    connectNext();
}

void LbDemo::connectNext()
{
    if (!m_running)
        return;
    if (m_attempt == kConnects)
        return endConnectCell();
    ++m_attempt;
    auto client = makeClient();
    ChatClient *raw = client.get();
    const int attempt = m_attempt;
    // One client at a time, so the balancer's rotation is what the cell shows.
    auto next = [this] { QTimer::singleShot(0, this, &LbDemo::connectNext); };
    connect(raw, &ChatClient::servedByChanged, this, [this, attempt, next](const QString &node) {
        if (node.isEmpty() || attempt != m_attempt)
            return;
        ++m_landed[node];
        next();
    });
    connect(&raw->connection(), &HubConnection::disconnected, this,
        [this, attempt, next](const QString &reason) {
            if (attempt != m_attempt || !m_running)
                return;
            ++m_failures;
            if (!m_errors.contains(reason))
                m_errors << reason;
            next();
        });
    // Connected but never told where (a node without WhoAmI): a failure, not a hang.
    QTimer::singleShot(2 * kConnectTimeoutMs, raw, [this, raw, attempt, next] {
        if (attempt != m_attempt || !m_running || !raw->isConnected() || !raw->servedBy().isEmpty())
            return;
        ++m_failures;
        const QString reason = QStringLiteral("the node did not say who it is (WhoAmI)");
        if (!m_errors.contains(reason))
            m_errors << reason;
        next();
    });
    m_clients.push_back(std::move(client));
    if (!raw->start()) {
        ++m_failures;
        next();
    }
}

std::unique_ptr<ChatClient> LbDemo::makeClient() const
{
    ChatClientOptions options;
    options.hub.skipNegotiation = m_skipNegotiation;
    options.hub.connectTimeoutMs = kConnectTimeoutMs;
    options.hub.reconnect.maxRetries = 0;
    options.identifyNode = true;
    return std::make_unique<ChatClient>(m_farm.publicUrl(), options);
}

void LbDemo::endConnectCell()
{
    const int nodes = m_farm.nodeCount();
    // Round robin sends negotiate and WebSocket to different nodes when there are several.
    const bool failuresExpected
        = !m_skipNegotiation && m_policy == LbPolicy::RoundRobin && nodes > 1;
    const bool ok = failuresExpected ? m_failures > 0 : m_failures == 0;
    QStringList landed;
    for (auto it = m_landed.cbegin(); it != m_landed.cend(); ++it)
        landed << QStringLiteral("%1 on %2").arg(it.value()).arg(it.key());
    const QString cell = m_skipNegotiation ? QStringLiteral("connect, skipping negotiation")
                                           : QStringLiteral("connect with negotiation");
    QString detail
        = QStringLiteral("%1 of %2 failed (%3 expected); %4")
              .arg(m_failures)
              .arg(kConnects)
              .arg(failuresExpected ? QStringLiteral("failures") : QStringLiteral("none"))
              .arg(landed.isEmpty() ? QStringLiteral("none connected")
                                    : landed.join(QStringLiteral(", ")));
    if (!m_errors.isEmpty())
        detail += QStringLiteral("\n      why: ") + m_errors.first();
    QJsonObject fields {{"attempts", kConnects}, {"failures", m_failures},
        {"failuresExpected", failuresExpected}, {"skipNegotiation", m_skipNegotiation}};
    QJsonObject perNode;
    for (auto it = m_landed.cbegin(); it != m_landed.cend(); ++it)
        perNode.insert(it.key(), it.value());
    fields.insert(QStringLiteral("nodes"), perNode);
    reportCell(cell, ok, detail, fields);

    // This cell's verdict is in: what its clients do from now on (a stop
    // emits disconnected()) must not count in the next one.
    for (const auto &client : m_clients) {
        client->disconnect(this);
        client->connection().disconnect(this);
    }
    if (m_skipNegotiation) {
        for (auto &client : m_clients) {
            if (!client->servedBy().isEmpty())
                m_kept.push_back(std::move(client));
        }
    }
    // Stopped but kept until the demo ends: nothing is torn down mid-story.
    for (auto &client : m_clients) {
        if (client) {
            client->stop();
            m_finished.push_back(std::move(client));
        }
    }
    m_clients.clear();
    m_landed.clear();
    m_errors.clear();
    m_failures = 0;
    m_attempt = 0;
    if (!m_skipNegotiation) {
        m_skipNegotiation = true;
        QTimer::singleShot(0, this, &LbDemo::connectNext);
        return;
    }
    beginCrossNode();
}

void LbDemo::beginCrossNode()
{
    if (!pairOnTwoNodes().first) {
        m_reporter.note(QStringLiteral(
            "demo: the balancer put every client on one node (%1 pins by address, and every "
            "client here is 127.0.0.1): no pair to show the backplane with")
                            .arg(lbPolicyName(m_policy)));
        return finish();
    }
    switchBackplane(BackplaneMode::Off, true, [this] { sendAcross(BackplaneMode::Off); });
}

void LbDemo::switchBackplane(BackplaneMode mode, bool needPair, std::function<void()> then)
{
    m_deadline.disconnect();
    m_deadline.stop(); // the wait has its own
    const bool restarts = nodeKindSwitchesByRestart(m_farm.config().nodeKind);
    m_switched = false;
    m_backplane.start(
        mode, restarts ? kRestartSwitchTimeoutMs : kSwitchTimeoutMs, [this] { m_switched = true; },
        [this, needPair, restarts, then = std::move(then)](const Result<void> &ready) {
            if (!m_running)
                return;
            if (!ready)
                return fail(ready.error());
            if (needPair && restarts && m_switched) {
                m_reporter.note(QStringLiteral("demo: the %1 nodes restarted to switch, which "
                                               "dropped the pair: connecting a new one")
                                    .arg(nodeKindName(m_farm.config().nodeKind)));
                for (auto &client : m_kept) {
                    client->stop();
                    m_finished.push_back(std::move(client));
                }
                m_kept.clear();
                m_pairAttempts = 0;
                return connectPair(then);
            }
            then();
        });
}

std::pair<ChatClient *, ChatClient *> LbDemo::pairOnTwoNodes() const
{
    for (const auto &first : m_kept) {
        if (!first->isConnected() || first->servedBy().isEmpty())
            continue;
        for (const auto &other : m_kept) {
            if (other->isConnected() && !other->servedBy().isEmpty()
                && other->servedBy() != first->servedBy())
                return {first.get(), other.get()};
        }
    }
    return {nullptr, nullptr};
}

void LbDemo::connectPair(std::function<void()> then)
{
    m_pairAttempt.reset();
    if (!m_running)
        return;
    if (pairOnTwoNodes().first)
        return then();
    if (m_pairAttempts == kPairAttempts)
        return fail(
            QStringLiteral("after the restart, none of %1 clients through the balancer "
                           "made a pair on two nodes%2")
                .arg(kPairAttempts)
                .arg(m_errors.isEmpty() ? QString() : QStringLiteral(": ") + m_errors.last()));
    ++m_pairAttempts;
    m_kept.push_back(makeClient());
    ChatClient *raw = m_kept.back().get();
    m_pairAttempt = std::make_unique<QObject>();
    connect(
        raw, &ChatClient::servedByChanged, m_pairAttempt.get(), [this, then](const QString &node) {
            // On the same node as the others: the balancer may not see the
            // other node again yet (its health check runs every second).
            if (!node.isEmpty())
                QTimer::singleShot(pairOnTwoNodes().first ? 0 : kPairRetryMs, this,
                    [this, then] { connectPair(then); });
        });
    // Until its health check sees a restarted node again, the balancer
    // answers 503: try again a little later.
    connect(&raw->connection(), &HubConnection::disconnected, m_pairAttempt.get(),
        [this, then](const QString &reason) {
            m_errors = QStringList {reason};
            QTimer::singleShot(kPairRetryMs, this, [this, then] { connectPair(then); });
        });
    if (!raw->start())
        fail(QStringLiteral("a client could not start connecting"));
}

void LbDemo::sendAcross(BackplaneMode mode)
{
    const auto [from, to] = pairOnTwoNodes();
    if (!from)
        return fail(QStringLiteral("the two clients on different nodes lost their connection"));
    m_received = false;
    m_expectedId.clear();
    m_roundIds.clear();
    const QString fromNode = from->servedBy();
    const QString toNode = to->servedBy();
    auto settle = [this, mode, fromNode, toNode] {
        if (!m_running)
            return;
        m_round.reset();
        const bool promised = mode != BackplaneMode::Off;
        const bool ok = m_received == promised;
        reportCell(QStringLiteral("across nodes, backplane %1").arg(modeName(mode)), ok,
            QStringLiteral("a client on %1 sent, a client on %2 %3 it (%4)")
                .arg(fromNode, toNode,
                    m_received ? QStringLiteral("received") : QStringLiteral("did not receive"),
                    promised ? QStringLiteral("expected")
                             : QStringLiteral("expected: no backplane")),
            {{"mode", modeName(mode)}, {"from", fromNode}, {"to", toNode},
                {"received", m_received}});
        if (mode == BackplaneMode::Off)
            switchBackplane(
                BackplaneMode::PubSub, true, [this] { sendAcross(BackplaneMode::PubSub); });
        else
            switchBackplane(m_originalMode, false, [this] { finish(); });
    };
    m_deadline.disconnect();
    connect(&m_deadline, &QTimer::timeout, this, settle);
    // This round's listener goes with the round.
    m_round = std::make_unique<QObject>();
    auto received = [this, settle] {
        if (m_received || m_expectedId.isEmpty() || !m_roundIds.contains(m_expectedId))
            return;
        m_received = true;
        m_deadline.stop();
        QTimer::singleShot(0, this, settle);
    };
    connect(to, &ChatClient::messageReceived, m_round.get(),
        [this, received](const ChatMessage &message, bool) {
            m_roundIds.insert(message.id);
            received();
        });
    from->send(QStringLiteral("across the balancer (%1)").arg(modeName(mode)), ChatClient::kLobby,
        [this, received, round = QPointer<QObject>(m_round.get())](const Result<QString> &id) {
            if (!round)
                return; // the round timed out already
            if (!id)
                return fail(QStringLiteral("send failed: %1").arg(id.error()));
            m_expectedId = id.value();
            received();
        });
    m_deadline.start(mode == BackplaneMode::Off ? kSilenceMs : kDeliveryTimeoutMs);
}

void LbDemo::reportCell(const QString &cell, bool ok, const QString &detail, QJsonObject fields)
{
    m_allPassed = m_allPassed && ok;
    m_results << cell + (ok ? QStringLiteral(" ✓") : QStringLiteral(" ✗"));
    if (m_reporter.isJson()) {
        fields.insert(QStringLiteral("cell"), cell);
        fields.insert(QStringLiteral("policy"), lbPolicyName(m_policy));
        fields.insert(QStringLiteral("ok"), ok);
        m_reporter.jsonEvent(QStringLiteral("lb"), fields);
    } else {
        m_reporter.print(QStringLiteral("  lb %1 | %2 %3: %4\n")
                             .arg(lbPolicyName(m_policy),
                                 ok ? QStringLiteral("✓") : QStringLiteral("✗"), cell, detail));
    }
}

void LbDemo::fail(const QString &why)
{
    if (!m_running)
        return;
    m_reporter.printError(QStringLiteral("demo: ") + why);
    m_allPassed = false;
    m_results << QStringLiteral("stopped (%1)").arg(why);
    finish();
}

void LbDemo::finish()
{
    const bool passed = m_allPassed;
    const QString summary = QStringLiteral("load balancer %1: %2")
                                .arg(passed ? QStringLiteral("passed") : QStringLiteral("FAILED"),
                                    m_results.join(QStringLiteral(", ")));
    finishLater(passed, summary);
}

void LbDemo::cancel()
{
    m_running = false;
    m_backplane.cancel();
    m_pairAttempt.reset();
    m_deadline.stop();
    for (const auto &client : m_clients)
        client->stop();
    for (const auto &client : m_kept)
        client->stop();
}

} // namespace farmchat
