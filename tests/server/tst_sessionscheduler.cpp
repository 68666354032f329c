#include "backplane/backplaneswitch.h"
#include "protocol/hubcontract.h"
#include "protocol/hubprotocol.h"
#include "server/sessionscheduler_p.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;
namespace field = farmchat::hubcontract::field;

namespace {

ChatMessage message(int n, const QString &text = {})
{
    ChatMessage m;
    m.id = QStringLiteral("elsewhere:0:%1").arg(n);
    m.room = QStringLiteral("lobby");
    m.from = QStringLiteral("someone");
    m.text = text.isEmpty() ? QStringLiteral("message %1").arg(n) : text;
    m.node = QStringLiteral("elsewhere");
    m.sentAt = QDateTime::currentMSecsSinceEpoch();
    m.via = Via::PubSub;
    return m;
}

int recordsIn(const QString &frame)
{
    return int(frame.count(QChar(hubprotocol::kRecordSeparator)));
}

} // namespace

// SessionScheduler through an in-process node and a real QWebSocket client:
// everything a client gets in one event-loop turn leaves in one frame, in
// order, and a close sends what was queued first.
class tst_SessionScheduler : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tickInterval_data();
    void tickInterval();
    void oneFramePerTurn();
    void framesKeepOrderAcrossTurns();
    void closeSendsQueuedRecordsFirst();
    void multibyteTextSurvivesBatching();

private:
    struct Connected
    {
        std::unique_ptr<Node> node;
        std::unique_ptr<HubTestClient> client;
        std::unique_ptr<QSignalSpy> frames;
    };
    static Connected connect(const NodeConfig &config = testNodeConfig())
    {
        Connected c;
        auto started = startTestNode(config);
        if (!started) {
            qWarning("node did not start: %s", qPrintable(started.error()));
            return c;
        }
        c.node = std::move(started).value();
        c.client = std::make_unique<HubTestClient>();
        if (!c.client->open(c.node->port()) || !c.client->handshake()) {
            c.node.reset();
            return c;
        }
        // Every WebSocket message the server sends is one frame (it never fragments).
        c.frames
            = std::make_unique<QSignalSpy>(&c.client->socket(), &QWebSocket::textMessageReceived);
        return c;
    }
};

void tst_SessionScheduler::tickInterval_data()
{
    QTest::addColumn<int>("keepAlive");
    QTest::addColumn<int>("timeout");
    QTest::addColumn<int>("handshake");
    QTest::addColumn<int>("tick");
    QTest::addRow("defaults: one second") << 15000 << 30000 << 15000 << 1000;
    QTest::addRow("short keep-alive") << 100 << 400 << 15000 << 25;
    QTest::addRow("short handshake") << 15000 << 30000 << 200 << 50;
    QTest::addRow("floor") << 1 << 1 << 1 << 5;
}

void tst_SessionScheduler::tickInterval()
{
    QFETCH(int, keepAlive);
    QFETCH(int, timeout);
    QFETCH(int, handshake);
    QFETCH(int, tick);
    QCOMPARE(SessionScheduler::tickIntervalFor(keepAlive, timeout, handshake), tick);
}

void tst_SessionScheduler::oneFramePerTurn()
{
    auto c = connect();
    QVERIFY(c.node);
    // Three messages arrive within one turn (a batch of Redis replies does this).
    for (int i = 1; i <= 3; ++i)
        Q_EMIT c.node->backplane()->deliver(message(i));
    QVERIFY(c.client->waitForInvocations(hubcontract::kMessageReceived.name, 3));
    QCOMPARE(c.frames->size(), 1);
    QCOMPARE(recordsIn(c.frames->at(0).at(0).toString()), 3);
    const auto received = c.client->invocations(hubcontract::kMessageReceived.name);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(received.at(i).arguments.at(0).toObject().value(field::kId).toString(),
            message(i + 1).id);
    QCOMPARE(c.node->metrics().messagesDelivered, 3);
}

void tst_SessionScheduler::framesKeepOrderAcrossTurns()
{
    auto c = connect();
    QVERIFY(c.node);
    // Turn after turn, with the client's own invocation in between: its
    // Completion comes after the records queued before it.
    Q_EMIT c.node->backplane()->deliver(message(1));
    const QString id = c.client->invoke(hubcontract::kSend.name, {QStringLiteral("mine")});
    QTest::qWait(20);
    Q_EMIT c.node->backplane()->deliver(message(2));
    QVERIFY(c.client->waitForCompletion(id));
    QVERIFY(c.client->waitForInvocations(hubcontract::kMessageReceived.name, 3));
    QStringList texts;
    for (const HubMessage &m : c.client->invocations(hubcontract::kMessageReceived.name))
        texts << m.arguments.at(0).toObject().value(field::kText).toString();
    QCOMPARE(texts,
        (QStringList {
            QStringLiteral("message 1"), QStringLiteral("mine"), QStringLiteral("message 2")}));
    QVERIFY(c.frames->size() >= 2);
}

void tst_SessionScheduler::closeSendsQueuedRecordsFirst()
{
    auto c = connect();
    QVERIFY(c.node);
    // Queued, not yet written, when the node stops in the same turn: the
    // records, then the Close message, then the close frame.
    Q_EMIT c.node->backplane()->deliver(message(1));
    Q_EMIT c.node->backplane()->deliver(message(2));
    c.node->stop();
    QVERIFY(c.client->waitForClosed());
    QCOMPARE(c.client->invocations(hubcontract::kMessageReceived.name).size(), 2);
    QVERIFY(c.client->closeMessage());
    QCOMPARE(c.client->closeMessage()->error, QStringLiteral("server shutting down"));
    QCOMPARE(c.client->closeCode(), 1001);
    QCOMPARE(c.frames->size(), 1);
    QCOMPARE(recordsIn(c.frames->at(0).at(0).toString()), 3);
}

void tst_SessionScheduler::multibyteTextSurvivesBatching()
{
    auto c = connect();
    QVERIFY(c.node);
    // 4000 characters of 3-byte UTF-8 each: 12 KB records, so the batch is
    // cut into several frames at record ends.
    const QString euro(4000, QChar(0x20AC));
    const QString mixed = QStringLiteral(u"caf\u00e9 \U0001F600 \u6f22\u5b57 ").repeated(200);
    for (int i = 1; i <= 5; ++i)
        Q_EMIT c.node->backplane()->deliver(message(i, i % 2 ? euro : mixed));
    QVERIFY(c.client->waitForInvocations(hubcontract::kMessageReceived.name, 5));
    const auto received = c.client->invocations(hubcontract::kMessageReceived.name);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(received.at(i).arguments.at(0).toObject().value(field::kText).toString(),
            (i + 1) % 2 ? euro : mixed);
    QVERIFY2(c.frames->size() > 1 && c.frames->size() <= 5,
        qPrintable(QString::number(c.frames->size())));
    QVERIFY(c.client->badRecords().isEmpty());
}

QTEST_GUILESS_MAIN(tst_SessionScheduler)
#include "tst_sessionscheduler.moc"
