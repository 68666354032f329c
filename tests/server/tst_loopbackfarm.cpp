#include "backplane/localbackplane.h"
#include "backplane/loopbackbackplane.h"
#include "backplane/loopbackbus.h"
#include "protocol/hubcontract.h"
#include "server/chathub_p.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"
#include "tests/support/testhttp.h"
#include "tests/support/verifyresult.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;
namespace field = farmchat::hubcontract::field;

// Two in-process nodes joined by a LoopbackBus: what the farm looks like with
// a backplane (messages cross) and without one (they do not), and a live
// switch between the two that keeps every client connected.
class tst_LoopbackFarm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void withoutBackplaneMessagesStayOnTheirNode();
    void withBackplaneMessagesCross();
    void onlyWatchedRoomsCross();
    void busDownWarnsTheSender();
    void liveSwitchKeepsClients();
    void adminSwitchNeedsTheToken();

private:
    // off: LocalBackplane; pubsub: a loopback backplane on the shared bus.
    BackplaneSwitch::Maker maker()
    {
        return [this](BackplaneMode mode) -> Result<std::unique_ptr<Backplane>> {
            if (mode == BackplaneMode::Off)
                return std::make_unique<LocalBackplane>();
            if (mode == BackplaneMode::PubSub)
                return std::make_unique<LoopbackBackplane>(*m_bus);
            return Result<std::unique_ptr<Backplane>>::failure(
                QStringLiteral("no loopback backplane for mode '%1'").arg(modeName(mode)));
        };
    }
    // Starts nodes A and B: ok, or why one of them did not start.
    Result<void> startFarm(BackplaneMode mode)
    {
        NodeConfig config = testNodeConfig();
        config.backplane = mode;
        config.adminToken = "test-admin-token-0123456789";
        auto a = startTestNode(config, maker());
        if (!a)
            return Result<void>::failure(QStringLiteral("node A: ") + a.error());
        auto b = startTestNode(config, maker());
        if (!b)
            return Result<void>::failure(QStringLiteral("node B: ") + b.error());
        m_a = std::move(a).value();
        m_b = std::move(b).value();
        return {};
    }
    std::unique_ptr<HubTestClient> client(Node &node)
    {
        auto c = std::make_unique<HubTestClient>();
        if (!c->connectNegotiated(node.port()))
            return nullptr;
        return c;
    }
    HttpReply switchMode(
        Node &node, const QByteArray &mode, const QByteArray &token = "test-admin-token-0123456789")
    {
        return httpRequest("PUT", QUrl(node.url() + QStringLiteral("/admin/backplane")),
            "{\"mode\":\"" + mode + "\"}",
            {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    }
    static QStringList texts(const HubTestClient &c)
    {
        QStringList list;
        for (const HubMessage &m : c.invocations(hubcontract::kMessageReceived.name))
            list << m.arguments[0].toObject().value(field::kText).toString() + u'/'
                    + m.arguments[0].toObject().value(field::kVia).toString();
        return list;
    }

    std::unique_ptr<LoopbackBus> m_bus;
    std::unique_ptr<Node> m_a;
    std::unique_ptr<Node> m_b;
};

void tst_LoopbackFarm::init()
{
    m_bus = std::make_unique<LoopbackBus>();
}

void tst_LoopbackFarm::cleanup()
{
    m_a.reset();
    m_b.reset();
    m_bus.reset();
}

void tst_LoopbackFarm::withoutBackplaneMessagesStayOnTheirNode()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::Off));
    auto onA = client(*m_a);
    auto onB = client(*m_b);
    QVERIFY(onA && onB);
    QVERIFY(!onA->call(hubcontract::kSend.name, {QStringLiteral("from A")})->hasError);
    QVERIFY(!onB->call(hubcontract::kSend.name, {QStringLiteral("from B")})->hasError);
    QVERIFY(onA->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QVERIFY(onB->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QTest::qWait(100); // a crossing message would be queued by now
    QCOMPARE(texts(*onA), QStringList {"from A/local"});
    QCOMPARE(texts(*onB), QStringList {"from B/local"});
    QCOMPARE(m_bus->carried(), 0);
}

void tst_LoopbackFarm::withBackplaneMessagesCross()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::PubSub));
    auto onA = client(*m_a);
    auto onB = client(*m_b);
    QVERIFY(onA && onB);
    const QString id
        = onA->call(hubcontract::kSend.name, {QStringLiteral("from A")})->result.toString();
    QVERIFY(onB->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(texts(*onA), QStringList {"from A/local"});
    QCOMPARE(texts(*onB), QStringList {"from A/pubsub"});
    const QJsonObject crossed
        = onB->invocations(hubcontract::kMessageReceived.name)[0].arguments[0].toObject();
    QCOMPARE(crossed.value(field::kId).toString(), id);
    QCOMPARE(crossed.value(field::kNode).toString(), m_a->nodeId());
    QCOMPARE(m_b->metrics().messagesReceived.value(QStringLiteral("pubsub")), 1);
    QCOMPARE(m_b->metrics().backplaneLag.count(), 1);
    QCOMPARE(m_a->metrics().backplaneLag.count(), 0);
    // B's ring buffer holds what crossed, so History on B answers it.
    const auto history
        = onB->call(hubcontract::kHistory.name, {QStringLiteral("lobby"), QJsonValue(), 10});
    QCOMPARE(history->result.toArray().size(), 1);
}

void tst_LoopbackFarm::onlyWatchedRoomsCross()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::PubSub));
    auto onA = client(*m_a);
    auto onB = client(*m_b);
    QVERIFY(onA && onB);
    QVERIFY(!onA->call(hubcontract::kJoinRoom.name, {QStringLiteral("x")})->hasError);
    QVERIFY(!onA->call(hubcontract::kSendToRoom.name, {QStringLiteral("x"), QStringLiteral("one")})
                 ->hasError);
    QVERIFY(!onB->call(hubcontract::kJoinRoom.name, {QStringLiteral("x")})->hasError);
    QVERIFY(!onA->call(hubcontract::kSendToRoom.name, {QStringLiteral("x"), QStringLiteral("two")})
                 ->hasError);
    QVERIFY(onB->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QTest::qWait(100);
    QCOMPARE(texts(*onB), QStringList {"two/pubsub"});
    // The last member left: B stops listening to x.
    QVERIFY(!onB->call(hubcontract::kLeaveRoom.name, {QStringLiteral("x")})->hasError);
    QVERIFY(!m_b->backplane()->watchedRooms().contains(QStringLiteral("x")));
    QVERIFY(m_b->backplane()->watchedRooms().contains(QStringLiteral("lobby")));
}

void tst_LoopbackFarm::busDownWarnsTheSender()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::PubSub));
    auto onA = client(*m_a);
    auto onB = client(*m_b);
    QVERIFY(onA && onB);
    m_bus->setConnected(false);
    const auto done = onA->call(hubcontract::kSend.name, {QStringLiteral("lonely")});
    QVERIFY(done && !done->hasError);
    QVERIFY(onA->waitForInvocations(hubcontract::kDeliveryWarning.name, 1));
    const HubMessage warning = onA->invocations(hubcontract::kDeliveryWarning.name).first();
    QCOMPARE(warning.arguments[0].toString(), done->result.toString());
    QVERIFY(warning.arguments[1].toString().contains(QStringLiteral("other nodes")));
    QVERIFY(onA->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QTest::qWait(100);
    QVERIFY(onB->invocations(hubcontract::kMessageReceived.name).isEmpty());
    const HttpReply health = httpRequest("GET", QUrl(m_a->url() + QStringLiteral("/health")));
    QCOMPARE(
        QJsonDocument::fromJson(health.body).object().value(u"redisConnected").toBool(), false);
}

void tst_LoopbackFarm::liveSwitchKeepsClients()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::Off));
    auto onA = client(*m_a);
    auto onB = client(*m_b);
    QVERIFY(onA && onB);
    QVERIFY(!onA->call(hubcontract::kSend.name, {QStringLiteral("before")})->hasError);

    for (Node *node : {m_a.get(), m_b.get()}) {
        const HttpReply reply = switchMode(*node, "pubsub");
        QCOMPARE(reply.status, 200);
        const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
        QCOMPARE(o.value(u"mode").toString(), QStringLiteral("pubsub"));
        QCOMPARE(o.value(u"previous").toString(), QStringLiteral("off"));
    }
    QVERIFY(!onA->call(hubcontract::kSend.name, {QStringLiteral("during")})->hasError);
    QVERIFY(onB->waitForInvocations(hubcontract::kMessageReceived.name, 1));
    QCOMPARE(texts(*onB), QStringList {"during/pubsub"});

    QCOMPARE(switchMode(*m_b, "off").status, 200);
    QVERIFY(!onA->call(hubcontract::kSend.name, {QStringLiteral("after")})->hasError);
    QVERIFY(onA->waitForInvocations(hubcontract::kMessageReceived.name, 3));
    QTest::qWait(100);
    QCOMPARE(texts(*onB), QStringList {"during/pubsub"});
    // Nobody was disconnected by any of it.
    QVERIFY(onA->isOpen() && onB->isOpen());
    QCOMPARE(m_a->metrics().connectionsTotal, 1);
    QCOMPARE(m_b->metrics().connectionsTotal, 1);

    const HttpReply unbuildable = switchMode(*m_a, "streams");
    QCOMPARE(unbuildable.status, 409);
    QVERIFY(unbuildable.body.contains("no loopback backplane"));
    QCOMPARE(m_a->backplane()->mode(), BackplaneMode::PubSub);
}

void tst_LoopbackFarm::adminSwitchNeedsTheToken()
{
    FARMCHAT_VERIFY_OK(startFarm(BackplaneMode::Off));
    QCOMPARE(switchMode(*m_a, "pubsub", "wrong-token").status, 401);
    const HttpReply none = httpRequest(
        "PUT", QUrl(m_a->url() + QStringLiteral("/admin/backplane")), "{\"mode\":\"pubsub\"}");
    QCOMPARE(none.status, 401);
    QCOMPARE(none.header("WWW-Authenticate"), QByteArray("Bearer"));
    QCOMPARE(m_a->backplane()->mode(), BackplaneMode::Off);
}

QTEST_GUILESS_MAIN(tst_LoopbackFarm)
#include "tst_loopbackfarm.moc"
