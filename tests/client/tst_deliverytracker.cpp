#include "client/deliverytracker.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

// Four panes on two nodes: A1 and A2 on node-a, B1 and B2 on node-b. A1 and
// B2 are also in room "dev".
struct Farm
{
    DeliveryTracker tracker;
    qint64 now = 0;

    Farm()
    {
        tracker.setClock([this] { return now; });
        tracker.addPane(QStringLiteral("A1"), QStringLiteral("node-a"),
            {QStringLiteral("lobby"), QStringLiteral("dev")});
        tracker.addPane(QStringLiteral("A2"), QStringLiteral("node-a"));
        tracker.addPane(QStringLiteral("B1"), QStringLiteral("node-b"));
        tracker.addPane(QStringLiteral("B2"), QStringLiteral("node-b"),
            {QStringLiteral("lobby"), QStringLiteral("dev")});
    }

    int send(const QString &id, BackplaneMode mode, const QString &room = QStringLiteral("lobby"),
        const QString &sender = QStringLiteral("A1"), qint64 at = 0)
    {
        const QString node
            = sender.startsWith(u'A') ? QStringLiteral("node-a") : QStringLiteral("node-b");
        return tracker.recordSent(SentMessage {id, sender, room, node, mode, at});
    }
    void receive(const QString &pane, const QString &id, qint64 at, bool fromHistory = false,
        const QString &room = QStringLiteral("lobby"))
    {
        ChatMessage message;
        message.id = id;
        message.room = room;
        QVERIFY(tracker.recordReceived(pane, message, at, fromHistory));
    }
    QStringList states(int row) const
    {
        QStringList out;
        for (int column = 0; column < tracker.columnCount(); ++column)
            out.append(deliveryStateName(tracker.cell(row, column).state));
        return out;
    }
};

} // namespace

class tst_DeliveryTracker : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cellStates_data();
    void cellStates();
    void outOfOrder();
    void outOfOrderRecordedBeforeSent();
    void receiptsBeforeRecordSent();
    void unknownPaneAndDuplicateId();
    void totalsPerModeAndLatency();
    void signalsForAModel();
    void settlesAfterGracePeriod();
    void paneAddedLater();
    void roomChangesApplyToLaterMessages();
    void clearForgetsEverything();
};

void tst_DeliveryTracker::cellStates_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("room");
    // "pane@ms", "pane@msh" (through History); a pane listed twice got it twice.
    QTest::addColumn<QStringList>("receipts");
    QTest::addColumn<qint64>("evaluateAt");
    QTest::addColumn<QStringList>("states"); // A1, A2, B1, B2
    QTest::addColumn<bool>("matches");

    const int off = int(BackplaneMode::Off), pubsub = int(BackplaneMode::PubSub),
              streams = int(BackplaneMode::Streams);
    const QStringList all {"A1@5", "A2@6", "B1@9", "B2@12"};
    QTest::addRow("off: stays on its node")
        << off << "lobby" << QStringList {"A1@5", "A2@6"} << qint64(5000)
        << QStringList {"delivered", "delivered", "not-expected", "not-expected"} << true;
    QTest::addRow("off: crossing is unexpected")
        << off << "lobby" << all << qint64(5000)
        << QStringList {"delivered", "delivered", "unexpected", "unexpected"} << false;
    QTest::addRow("off: local pane missing")
        << off << "lobby" << QStringList {"A1@5"} << qint64(5000)
        << QStringList {"delivered", "missing", "not-expected", "not-expected"} << false;
    QTest::addRow("off: pending within grace")
        << off << "lobby" << QStringList {"A1@5"} << qint64(1000)
        << QStringList {"delivered", "pending", "not-expected", "not-expected"} << false;
    QTest::addRow("off: room limits who is expected")
        << off << "dev" << QStringList {"A1@5"} << qint64(5000)
        << QStringList {"delivered", "not-expected", "not-expected", "not-expected"} << true;
    QTest::addRow("pubsub: everyone")
        << pubsub << "lobby" << all << qint64(5000)
        << QStringList {"delivered", "delivered", "delivered", "delivered"} << true;
    QTest::addRow("pubsub: other node missing")
        << pubsub << "lobby" << QStringList {"A1@5", "A2@6"} << qint64(5000)
        << QStringList {"delivered", "delivered", "missing", "missing"} << false;
    QTest::addRow("pubsub: pending then")
        << pubsub << "lobby" << QStringList {"A1@5", "A2@6"} << qint64(1999)
        << QStringList {"delivered", "delivered", "pending", "pending"} << false;
    QTest::addRow("pubsub: late by time")
        << pubsub << "lobby" << QStringList {"A1@5", "A2@6", "B1@2500", "B2@12"} << qint64(5000)
        << QStringList {"delivered", "delivered", "late", "delivered"} << false;
    QTest::addRow("pubsub: room dev across nodes")
        << pubsub << "dev" << QStringList {"A1@5", "B2@7"} << qint64(5000)
        << QStringList {"delivered", "not-expected", "not-expected", "delivered"} << true;
    QTest::addRow("pubsub: room leak is unexpected")
        << pubsub << "dev" << QStringList {"A1@5", "B2@7", "B1@8"} << qint64(5000)
        << QStringList {"delivered", "not-expected", "unexpected", "delivered"} << false;
    QTest::addRow("streams: everyone")
        << streams << "lobby" << all << qint64(5000)
        << QStringList {"delivered", "delivered", "delivered", "delivered"} << true;
    QTest::addRow("streams: duplicated")
        << streams << "lobby" << QStringList {"A1@5", "A2@6", "B1@9", "B1@10", "B2@12"}
        << qint64(5000) << QStringList {"delivered", "delivered", "duplicated", "delivered"}
        << false;
    QTest::addRow("streams: only through History is late")
        << streams << "lobby" << QStringList {"A1@5", "A2@6", "B1@300h", "B2@12"} << qint64(5000)
        << QStringList {"delivered", "delivered", "late", "delivered"} << false;
    QTest::addRow("streams: missing, then History brings it late")
        << streams << "lobby" << QStringList {"A1@5", "A2@6", "B1@4000h", "B2@12"} << qint64(5000)
        << QStringList {"delivered", "delivered", "late", "delivered"} << false;
    QTest::addRow("streams: duplicate beats late")
        << streams << "lobby" << QStringList {"A1@5", "A2@6", "B1@2500", "B1@2600", "B2@12"}
        << qint64(5000) << QStringList {"delivered", "delivered", "duplicated", "delivered"}
        << false;
}

void tst_DeliveryTracker::cellStates()
{
    QFETCH(int, mode);
    QFETCH(QString, room);
    QFETCH(QStringList, receipts);
    QFETCH(qint64, evaluateAt);
    QFETCH(QStringList, states);
    QFETCH(bool, matches);
    Farm farm;
    const int row = farm.send(QStringLiteral("m1"), BackplaneMode(mode), room);
    QCOMPARE(row, 0);
    for (const QString &receipt : std::as_const(receipts)) {
        const QStringList parts = receipt.split(u'@');
        const bool history = parts.at(1).endsWith(u'h');
        const qint64 at
            = QStringView(parts.at(1)).left(parts.at(1).size() - (history ? 1 : 0)).toLongLong();
        farm.receive(parts.at(0), QStringLiteral("m1"), at, history, room);
    }
    farm.now = evaluateAt;
    farm.tracker.updateTimeouts();
    QCOMPARE(farm.states(row), states);
    QCOMPARE(farm.tracker.row(row).matchesPromise, matches);
    const DeliveryTotals totals = farm.tracker.totals(BackplaneMode(mode));
    QCOMPARE(totals.messages, 1);
    QCOMPARE(totals.matching, matches ? 1 : 0);
    QCOMPARE(totals.delivered, int(states.count(QStringLiteral("delivered"))));
    QCOMPARE(totals.missing, int(states.count(QStringLiteral("missing"))));
    QCOMPARE(totals.pending, int(states.count(QStringLiteral("pending"))));
    QCOMPARE(totals.late, int(states.count(QStringLiteral("late"))));
    QCOMPARE(totals.duplicated, int(states.count(QStringLiteral("duplicated"))));
    QCOMPARE(totals.unexpected, int(states.count(QStringLiteral("unexpected"))));
}

void tst_DeliveryTracker::outOfOrder()
{
    Farm farm;
    farm.send(QStringLiteral("m1"), BackplaneMode::PubSub, QStringLiteral("lobby"),
        QStringLiteral("A1"), 0);
    farm.send(QStringLiteral("m2"), BackplaneMode::PubSub, QStringLiteral("lobby"),
        QStringLiteral("A1"), 1);
    farm.send(QStringLiteral("x1"), BackplaneMode::PubSub, QStringLiteral("lobby"),
        QStringLiteral("B1"), 1);
    for (const char *pane : {"A1", "A2", "B2"}) {
        farm.receive(QString::fromLatin1(pane), QStringLiteral("m1"), 5);
        farm.receive(QString::fromLatin1(pane), QStringLiteral("m2"), 6);
    }
    // B1 gets m2 before m1; another sender's message in between changes nothing.
    farm.receive(QStringLiteral("B1"), QStringLiteral("m2"), 6);
    farm.receive(QStringLiteral("B1"), QStringLiteral("x1"), 6);
    farm.receive(QStringLiteral("B1"), QStringLiteral("m1"), 7);
    for (const char *pane : {"A1", "A2", "B2"})
        farm.receive(QString::fromLatin1(pane), QStringLiteral("x1"), 8);
    farm.now = 5000;
    farm.tracker.updateTimeouts();
    QCOMPARE(farm.states(0), (QStringList {"delivered", "delivered", "delivered", "delivered"}));
    QCOMPARE(farm.states(1), (QStringList {"delivered", "delivered", "out-of-order", "delivered"}));
    QCOMPARE(farm.states(2), (QStringList {"delivered", "delivered", "delivered", "delivered"}));
    QVERIFY(!farm.tracker.row(1).matchesPromise);
    QCOMPARE(farm.tracker.totals(BackplaneMode::PubSub).outOfOrder, 1);
    QCOMPARE(farm.tracker.totals(BackplaneMode::PubSub).matching, 2);
}

void tst_DeliveryTracker::outOfOrderRecordedBeforeSent()
{
    // B1 gets m2 before m2's Completion and before m1 at all.
    Farm farm;
    farm.send(QStringLiteral("m1"), BackplaneMode::Streams);
    farm.receive(QStringLiteral("B1"), QStringLiteral("m2"), 5);
    farm.receive(QStringLiteral("B1"), QStringLiteral("m1"), 6);
    farm.send(QStringLiteral("m2"), BackplaneMode::Streams, QStringLiteral("lobby"),
        QStringLiteral("A1"), 1);
    QCOMPARE(farm.tracker.cell(1, 2).state, DeliveryState::OutOfOrder);
    QCOMPARE(farm.tracker.cell(0, 2).state, DeliveryState::Delivered);
}

void tst_DeliveryTracker::receiptsBeforeRecordSent()
{
    Farm farm;
    QSignalSpy cellChanged(&farm.tracker, &DeliveryTracker::cellChanged);
    farm.receive(QStringLiteral("A1"), QStringLiteral("m1"), 4);
    farm.receive(QStringLiteral("A2"), QStringLiteral("m1"), 5);
    QCOMPARE(farm.tracker.rowCount(), 0);
    QCOMPARE(cellChanged.size(), 0);
    farm.send(QStringLiteral("m1"), BackplaneMode::Off);
    QCOMPARE(
        farm.states(0), (QStringList {"delivered", "delivered", "not-expected", "not-expected"}));
    QCOMPARE(farm.tracker.cell(0, 1).latencyMs, 5);
    QVERIFY(farm.tracker.row(0).matchesPromise);
    // Receipts for messages nobody tracks are forgotten after a while.
    farm.receive(QStringLiteral("A1"), QStringLiteral("stranger"), 10);
    farm.now = 120000;
    farm.tracker.updateTimeouts();
    farm.send(QStringLiteral("stranger"), BackplaneMode::Off, QStringLiteral("lobby"),
        QStringLiteral("A1"), 119000);
    QCOMPARE(farm.tracker.cell(1, 0).receipts, 0);
}

void tst_DeliveryTracker::unknownPaneAndDuplicateId()
{
    Farm farm;
    QCOMPARE(farm.send(QStringLiteral("m1"), BackplaneMode::Off), 0);
    QCOMPARE(farm.send(QStringLiteral("m1"), BackplaneMode::Off), -1);
    QCOMPARE(farm.tracker.recordSent(SentMessage {}), -1);
    ChatMessage message;
    message.id = QStringLiteral("m1");
    QVERIFY(!farm.tracker.recordReceived(QStringLiteral("nobody"), message, 1, false));
    QCOMPARE(farm.tracker.rowCount(), 1);
    QCOMPARE(farm.tracker.addPane(QStringLiteral("A1"), QStringLiteral("node-z")), 0);
    QCOMPARE(farm.tracker.columnCount(), 4);
}

void tst_DeliveryTracker::totalsPerModeAndLatency()
{
    Farm farm;
    for (int i = 0; i < 100; ++i) {
        const QString id = QStringLiteral("p%1").arg(i);
        farm.send(id, BackplaneMode::PubSub, QStringLiteral("lobby"), QStringLiteral("A1"), i);
        for (const char *pane : {"A1", "A2", "B1", "B2"})
            farm.receive(QString::fromLatin1(pane), id, i + 1 + i % 10); // latencies 1..10
    }
    farm.send(QStringLiteral("o1"), BackplaneMode::Off);
    farm.receive(QStringLiteral("A1"), QStringLiteral("o1"), 500);
    farm.now = 10000;
    farm.tracker.updateTimeouts();
    const DeliveryTotals pubsub = farm.tracker.totals(BackplaneMode::PubSub);
    QCOMPARE(pubsub.messages, 100);
    QCOMPARE(pubsub.matching, 100);
    QCOMPARE(pubsub.delivered, 400);
    QCOMPARE(pubsub.p50LatencyMs, 5);
    QCOMPARE(pubsub.p99LatencyMs, 10);
    const DeliveryTotals off = farm.tracker.totals(BackplaneMode::Off);
    QCOMPARE(off.messages, 1);
    QCOMPARE(off.matching, 0);
    QCOMPARE(off.delivered, 1);
    QCOMPARE(off.missing, 1);
    QCOMPARE(off.p50LatencyMs, 500);
    const DeliveryTotals streams = farm.tracker.totals(BackplaneMode::Streams);
    QCOMPARE(streams.messages, 0);
    QCOMPARE(streams.p50LatencyMs, -1);
}

void tst_DeliveryTracker::signalsForAModel()
{
    Farm farm;
    QSignalSpy rowAdded(&farm.tracker, &DeliveryTracker::rowAdded);
    QSignalSpy cellChanged(&farm.tracker, &DeliveryTracker::cellChanged);
    QSignalSpy totalsChanged(&farm.tracker, &DeliveryTracker::totalsChanged);
    QSignalSpy paneAdded(&farm.tracker, &DeliveryTracker::paneAdded);
    farm.send(QStringLiteral("m1"), BackplaneMode::PubSub);
    QCOMPARE(rowAdded.size(), 1);
    QCOMPARE(rowAdded.first().at(0).toInt(), 0);
    farm.receive(QStringLiteral("B1"), QStringLiteral("m1"), 3);
    QCOMPARE(cellChanged.size(), 1);
    QCOMPARE(cellChanged.first().at(0).toInt(), 0);
    QCOMPARE(cellChanged.first().at(1).toInt(), 2);
    QVERIFY(totalsChanged.size() >= 2);
    farm.now = 3000;
    farm.tracker.updateTimeouts();
    QCOMPARE(cellChanged.size(), 4); // A1, A2, B2 went missing
    farm.tracker.addPane(QStringLiteral("C1"), QStringLiteral("node-c"));
    QCOMPARE(paneAdded.size(), 1);
    QCOMPARE(paneAdded.first().at(0).toInt(), 4);
}

void tst_DeliveryTracker::settlesAfterGracePeriod()
{
    // The real clock and the tracker's own timer.
    DeliveryTracker tracker;
    tracker.setGracePeriodMs(200);
    tracker.addPane(QStringLiteral("A1"), QStringLiteral("node-a"));
    tracker.addPane(QStringLiteral("B1"), QStringLiteral("node-b"));
    QSignalSpy settled(&tracker, &DeliveryTracker::settled);
    QVERIFY(tracker.isSettled());
    const qint64 sentAt = QDateTime::currentMSecsSinceEpoch();
    tracker.recordSent(SentMessage {QStringLiteral("m1"), QStringLiteral("A1"),
        QStringLiteral("lobby"), QStringLiteral("node-a"), BackplaneMode::PubSub, sentAt});
    ChatMessage message;
    message.id = QStringLiteral("m1");
    tracker.recordReceived(QStringLiteral("A1"), message, sentAt + 1, false);
    QVERIFY(!tracker.isSettled());
    QCOMPARE(tracker.cell(0, 1).state, DeliveryState::Pending);
    QTRY_COMPARE_WITH_TIMEOUT(settled.size(), 1, 2000);
    QVERIFY(QDateTime::currentMSecsSinceEpoch() - sentAt >= 200);
    QCOMPARE(tracker.cell(0, 1).state, DeliveryState::Missing);
    QCOMPARE(tracker.totals(BackplaneMode::PubSub).missing, 1);
}

void tst_DeliveryTracker::paneAddedLater()
{
    Farm farm;
    farm.send(QStringLiteral("m1"), BackplaneMode::PubSub);
    farm.tracker.addPane(QStringLiteral("C1"), QStringLiteral("node-c"));
    QCOMPARE(farm.tracker.cell(0, 4).state, DeliveryState::NotExpected);
    farm.send(QStringLiteral("m2"), BackplaneMode::PubSub);
    QCOMPARE(farm.tracker.cell(1, 4).state, DeliveryState::Pending);
}

void tst_DeliveryTracker::roomChangesApplyToLaterMessages()
{
    Farm farm;
    farm.send(QStringLiteral("m1"), BackplaneMode::PubSub, QStringLiteral("dev"));
    farm.tracker.setPaneRooms(
        QStringLiteral("B1"), {QStringLiteral("lobby"), QStringLiteral("dev")});
    farm.send(QStringLiteral("m2"), BackplaneMode::PubSub, QStringLiteral("dev"));
    QVERIFY(!farm.tracker.cell(0, 2).expected);
    QVERIFY(farm.tracker.cell(1, 2).expected);
}

void tst_DeliveryTracker::clearForgetsEverything()
{
    Farm farm;
    farm.send(QStringLiteral("m1"), BackplaneMode::PubSub);
    QSignalSpy cleared(&farm.tracker, &DeliveryTracker::cleared);
    farm.tracker.clear();
    QCOMPARE(cleared.size(), 1);
    QCOMPARE(farm.tracker.rowCount(), 0);
    QCOMPARE(farm.tracker.columnCount(), 0);
    QCOMPARE(farm.tracker.totals(BackplaneMode::PubSub).messages, 0);
    QCOMPARE(farm.tracker.totals(BackplaneMode::PubSub).pending, 0);
    QVERIFY(farm.tracker.isSettled());
}

QTEST_GUILESS_MAIN(tst_DeliveryTracker)
#include "tst_deliverytracker.moc"
