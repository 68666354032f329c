// DeliveryMatrixModel: mirrors DeliveryTracker as a table; symbols, tooltips
// and "did not cross" cells for the backplane-off case.
#include "app/deliverymatrixmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

constexpr int P = DeliveryMatrixModel::kFirstPaneColumn;

ChatMessage chat(const QString &id, const QString &node, Via via)
{
    ChatMessage m;
    m.id = id;
    m.room = QStringLiteral("lobby");
    m.from = QStringLiteral("user-1");
    m.text = QStringLiteral("hi");
    m.node = node;
    m.via = via;
    return m;
}

SentMessage sent(
    const QString &id, const QString &pane, const QString &node, BackplaneMode mode, qint64 at)
{
    SentMessage s;
    s.id = id;
    s.senderPane = pane;
    s.room = QStringLiteral("lobby");
    s.originNode = node;
    s.mode = mode;
    s.sentAtMs = at;
    return s;
}

} // namespace

class tst_DeliveryMatrixModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void shape();
    void cells_data();
    void cells();
    void totals();
    void totalsJudgeByThePromise();
    void paneAwayMissesPubSubNotStreams();
    void cutOffNodeMissesPubSubNotStreams();
    void cutOffRoomExcusesOnlyItsRoom();
    void queuedRowWaitsForTheNode();
    void clearResets();

private:
    // Pane 1 (node-9090) sends `id` in `mode`; panes 1 and 2 get it, pane 3 not.
    void sendSeenByPanes12(const QString &id, BackplaneMode mode);

    std::unique_ptr<DeliveryTracker> m_tracker;
    std::unique_ptr<DeliveryMatrixModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    qint64 m_now = 1000000;
};

void tst_DeliveryMatrixModel::init()
{
    m_now = 1000000;
    m_tracker = std::make_unique<DeliveryTracker>();
    m_tracker->setClock([this] { return m_now; });
    m_tracker->setGracePeriodMs(1000);
    m_model = std::make_unique<DeliveryMatrixModel>(*m_tracker);
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 3; ++i)
        m_tracker->addPane(
            QStringLiteral("pane-%1").arg(i + 1), QStringLiteral("node-909%1").arg(i));
}

void tst_DeliveryMatrixModel::cleanup()
{
    m_tester.reset();
    m_model.reset();
    m_tracker.reset();
}

void tst_DeliveryMatrixModel::shape()
{
    QCOMPARE(m_model->columnCount(), P + 3);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->headerData(P + 1, Qt::Horizontal).toString(), QStringLiteral("9091"));
    QVERIFY(m_model->headerData(P + 1, Qt::Horizontal, Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("node-9091")));
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->setMessageText(QStringLiteral("a"), QStringLiteral("user-1: hello"));
    m_tracker->recordSent(sent(QStringLiteral("a"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::PubSub, m_now));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(m_model->index(0, DeliveryMatrixModel::kMessageColumn).data().toString(),
        QStringLiteral("user-1: hello"));
    QCOMPARE(m_model->index(0, DeliveryMatrixModel::kModeColumn).data().toString(),
        QStringLiteral("pubsub"));
    m_tracker->addPane(QStringLiteral("pane-4"), QStringLiteral("node-9093"));
    QCOMPARE(m_model->columnCount(), P + 4);
}

void tst_DeliveryMatrixModel::cells_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QList<int>>(
        "receivedBy"); // pane columns that got it, in order (twice: duplicated)
    QTest::addColumn<qint64>("waitMs");
    QTest::addColumn<QStringList>("symbols"); // per pane, first character of the display
    QTest::addColumn<QList<bool>>("notCrossed");
    QTest::addRow("off: stays on its node")
        << int(BackplaneMode::Off) << QList<int> {0} << qint64(2000) << QStringList {"✓", "✕", "✕"}
        << QList<bool> {false, true, true};
    QTest::addRow("pubsub: everyone")
        << int(BackplaneMode::PubSub) << QList<int> {0, 1, 2} << qint64(10)
        << QStringList {"✓", "✓", "✓"} << QList<bool> {false, false, false};
    QTest::addRow("pubsub: one missing")
        << int(BackplaneMode::PubSub) << QList<int> {0, 1} << qint64(2000)
        << QStringList {"✓", "✓", "✕"} << QList<bool> {false, false, false};
    QTest::addRow("pubsub: pending")
        << int(BackplaneMode::PubSub) << QList<int> {0} << qint64(10) << QStringList {"✓", "…", "…"}
        << QList<bool> {false, false, false};
    QTest::addRow("streams: duplicate")
        << int(BackplaneMode::Streams) << QList<int> {0, 1, 2, 2} << qint64(10)
        << QStringList {"✓", "✓", "⊕"} << QList<bool> {false, false, false};
}

void tst_DeliveryMatrixModel::cells()
{
    QFETCH(int, mode);
    QFETCH(QList<int>, receivedBy);
    QFETCH(qint64, waitMs);
    QFETCH(QStringList, symbols);
    QFETCH(QList<bool>, notCrossed);
    m_tracker->recordSent(sent(QStringLiteral("m"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode(mode), m_now));
    m_now += 5;
    for (const int pane : receivedBy) {
        const QString node = QStringLiteral("node-909%1").arg(pane);
        m_tracker->recordReceived(QStringLiteral("pane-%1").arg(pane + 1),
            chat(QStringLiteral("m"), QStringLiteral("node-9090"),
                pane == 0 ? Via::Local : Via::PubSub),
            m_now, false);
        Q_UNUSED(node);
    }
    m_now += waitMs;
    m_tracker->updateTimeouts();
    for (int pane = 0; pane < 3; ++pane) {
        const QModelIndex at = m_model->index(0, P + pane);
        const QString shown = at.data().toString();
        QVERIFY2(shown.startsWith(symbols[pane]),
            qPrintable(QStringLiteral("pane %1 shows %2").arg(pane).arg(shown)));
        QCOMPARE(at.data(DeliveryMatrixModel::NotCrossedRole).toBool(), notCrossed[pane]);
        QVERIFY(!at.data(Qt::ToolTipRole).toString().isEmpty());
        if (symbols[pane] == QStringLiteral("✓"))
            QVERIFY2(shown.contains(QStringLiteral("ms")), qPrintable(shown)); // latency shown
        if (symbols[pane] == QStringLiteral("✕") || symbols[pane] == QStringLiteral("⊕")
            || symbols[pane] == QStringLiteral("✓"))
            QVERIFY(at.data(Qt::BackgroundRole).isValid()); // colour too, never colour alone
    }
}

void tst_DeliveryMatrixModel::totals()
{
    m_tracker->recordSent(sent(QStringLiteral("a"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::Off, m_now));
    m_tracker->recordReceived(QStringLiteral("pane-1"),
        chat(QStringLiteral("a"), QStringLiteral("node-9090"), Via::Local), m_now + 1, false);
    m_now += 2000;
    m_tracker->updateTimeouts();
    QCOMPARE(m_model->notCrossed(BackplaneMode::Off), 2);
    const QString off = m_model->totalsText(BackplaneMode::Off);
    QVERIFY2(off.contains(QStringLiteral("1 message"))
            && off.contains(QStringLiteral("2 did not cross")),
        qPrintable(off));
    QVERIFY(m_model->totalsText(BackplaneMode::PubSub).contains(QStringLiteral("no messages")));
}

void tst_DeliveryMatrixModel::totalsJudgeByThePromise()
{
    const auto everywhere = [&](const QString &id, qint64 at, bool history) {
        for (int i = 0; i < 3; ++i)
            m_tracker->recordReceived(QStringLiteral("pane-%1").arg(i + 1),
                chat(id, QStringLiteral("node-9090"), Via::Streams), at, history);
    };
    // Streams after an outage: three messages arrive 5 s late, none lost.
    for (const QString &id : {QStringLiteral("s1"), QStringLiteral("s2"), QStringLiteral("s3")}) {
        m_tracker->recordSent(sent(id, QStringLiteral("pane-1"), QStringLiteral("node-9090"),
            BackplaneMode::Streams, m_now));
        everywhere(id, m_now + 5000, false);
    }
    m_now += 6000;
    m_tracker->updateTimeouts();
    const QString streams = m_model->totalsText(BackplaneMode::Streams);
    QVERIFY2(streams.contains(QStringLiteral("3 late, 0 lost — as promised")), qPrintable(streams));

    // Pub/sub while Redis is down: the node warned, the others never got it.
    m_tracker->recordWarning(QStringLiteral("p1"));
    m_tracker->recordSent(sent(QStringLiteral("p1"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::PubSub, m_now));
    m_tracker->recordReceived(QStringLiteral("pane-1"),
        chat(QStringLiteral("p1"), QStringLiteral("node-9090"), Via::Local), m_now + 1, false);
    m_now += 2000;
    m_tracker->updateTimeouts();
    const QString counted = m_model->totalsText(BackplaneMode::PubSub);
    QVERIFY2(counted.contains(
                 QStringLiteral("1 lost while Redis was down — expected for pub/sub, counted"))
            && counted.contains(QStringLiteral("counted — as promised"))
            && !counted.contains(QStringLiteral("broke")),
        qPrintable(counted));

    // The same loss without the node's word breaks the promise.
    m_tracker->recordSent(sent(QStringLiteral("p2"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::PubSub, m_now));
    m_now += 2000;
    m_tracker->updateTimeouts();
    const QString uncounted = m_model->totalsText(BackplaneMode::PubSub);
    QVERIFY2(uncounted.contains(QStringLiteral("1 lost without a warning"))
            && uncounted.contains(QStringLiteral("broke the promise")),
        qPrintable(uncounted));
}

void tst_DeliveryMatrixModel::sendSeenByPanes12(const QString &id, BackplaneMode mode)
{
    m_tracker->recordSent(
        sent(id, QStringLiteral("pane-1"), QStringLiteral("node-9090"), mode, m_now));
    for (int i = 0; i < 2; ++i)
        m_tracker->recordReceived(QStringLiteral("pane-%1").arg(i + 1),
            chat(id, QStringLiteral("node-9090"), Via::Local), m_now + 1, false);
}

void tst_DeliveryMatrixModel::cutOffNodeMissesPubSubNotStreams()
{
    // Pane 3's node is up but hears nothing from Redis (its link partitioned,
    // or its cluster shard down): the same promise as a node that was down.
    m_tracker->setNodeCutOff(QStringLiteral("node-9092"), true);
    sendSeenByPanes12(QStringLiteral("p1"), BackplaneMode::PubSub);
    sendSeenByPanes12(QStringLiteral("s1"), BackplaneMode::Streams);
    m_tracker->setNodeCutOff(QStringLiteral("node-9092"), false);
    // Sent once it hears Redis again, a miss there is a miss.
    sendSeenByPanes12(QStringLiteral("p2"), BackplaneMode::PubSub);
    m_now += 10000;
    m_tracker->updateTimeouts();
    const QString pubsub = m_model->totalsText(BackplaneMode::PubSub);
    QVERIFY2(pubsub.contains(QStringLiteral("1 missed by a pane whose node was down or cut off"))
            && pubsub.contains(QStringLiteral("✕ 1 lost without a warning")),
        qPrintable(pubsub));
    const QString streams = m_model->totalsText(BackplaneMode::Streams);
    QVERIFY2(streams.contains(QStringLiteral("broke the promise")), qPrintable(streams));
}

void tst_DeliveryMatrixModel::cutOffRoomExcusesOnlyItsRoom()
{
    // A cluster with dev's shard down: a pub/sub miss in dev is the
    // documented loss; a miss in ops, whose shard serves, is not.
    const QStringList rooms {QStringLiteral("lobby"), QStringLiteral("dev"), QStringLiteral("ops")};
    for (int i = 0; i < 3; ++i)
        m_tracker->setPaneRooms(QStringLiteral("pane-%1").arg(i + 1), rooms);
    m_tracker->setRoomCutOff(QStringLiteral("dev"), true);
    for (const QString &room : {QStringLiteral("dev"), QStringLiteral("ops")}) {
        SentMessage message = sent(room, QStringLiteral("pane-1"), QStringLiteral("node-9090"),
            BackplaneMode::PubSub, m_now);
        message.room = room;
        m_tracker->recordSent(message);
        ChatMessage local = chat(room, QStringLiteral("node-9090"), Via::Local);
        local.room = room;
        m_tracker->recordReceived(QStringLiteral("pane-1"), local, m_now + 1, false);
    }
    m_now += 10000;
    m_tracker->updateTimeouts();
    const QString pubsub = m_model->totalsText(BackplaneMode::PubSub);
    QVERIFY2(pubsub.contains(QStringLiteral("1 missed by a pane whose node was down or cut off"))
            && pubsub.contains(QStringLiteral("✕ 1 lost without a warning")),
        qPrintable(pubsub));
    m_tracker->setRoomCutOff(QStringLiteral("dev"), false);
}

void tst_DeliveryMatrixModel::paneAwayMissesPubSubNotStreams()
{
    // Pane 3's node is down: pub/sub promises it nothing (at most once, no
    // catch-up); streams promises it a catch-up once it is back.
    m_tracker->setPaneConnected(QStringLiteral("pane-3"), false);
    sendSeenByPanes12(QStringLiteral("p1"), BackplaneMode::PubSub);
    sendSeenByPanes12(QStringLiteral("s1"), BackplaneMode::Streams);
    m_tracker->setPaneConnected(QStringLiteral("pane-3"), true);
    m_now += 10000;
    m_tracker->updateTimeouts();
    const QString pubsub = m_model->totalsText(BackplaneMode::PubSub);
    QVERIFY2(pubsub.contains(QStringLiteral(
                 "1 missed by a pane whose node was down or cut off from Redis — expected for "
                 "pub/sub"))
            && pubsub.contains(QStringLiteral("— as promised")),
        qPrintable(pubsub));
    const QString streams = m_model->totalsText(BackplaneMode::Streams);
    QVERIFY2(streams.contains(QStringLiteral("broke the promise")), qPrintable(streams));
    // Once back, a pub/sub miss is a loss again.
    m_tracker->recordSent(sent(QStringLiteral("p2"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::PubSub, m_now));
    m_now += 10000;
    m_tracker->updateTimeouts();
    QVERIFY(m_model->totalsText(BackplaneMode::PubSub).contains(QStringLiteral("broke")));
}

void tst_DeliveryMatrixModel::queuedRowWaitsForTheNode()
{
    // Streams with Redis down: the row is there at once and stays pending,
    // however long the node holds it; the node's id then takes over.
    SentMessage s = sent(QStringLiteral("sending:pane-1:1"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::Streams, m_now);
    m_model->setMessageText(s.id, QStringLiteral("user-1: hi"));
    QCOMPARE(m_tracker->recordSending(s), 0);
    m_now += 10000;
    m_tracker->updateTimeouts();
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(
            DeliveryState(m_model->index(0, P + i).data(DeliveryMatrixModel::StateRole).toInt()),
            DeliveryState::Pending);
        QVERIFY(m_model->index(0, P + i).data().toString().contains(QStringLiteral("queued")));
    }
    QVERIFY(m_model->totalsText(BackplaneMode::Streams).contains(QStringLiteral("1 pending")));
    QVERIFY(m_tracker->confirmSent(s.id, QStringLiteral("1-0")));
    QCOMPARE(m_tracker->rowOf(QStringLiteral("1-0")), 0);
    QCOMPARE(m_model->index(0, DeliveryMatrixModel::kMessageColumn).data().toString(),
        QStringLiteral("user-1: hi"));
    for (int i = 0; i < 3; ++i)
        m_tracker->recordReceived(QStringLiteral("pane-%1").arg(i + 1),
            chat(QStringLiteral("1-0"), QStringLiteral("node-9090"), Via::Streams), m_now + 5,
            false);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(m_tracker->cell(0, i).state, DeliveryState::Late); // 10 s after the send
    const QString streams = m_model->totalsText(BackplaneMode::Streams);
    QVERIFY2(streams.contains(QStringLiteral("1 late, 0 lost — as promised")), qPrintable(streams));
}

void tst_DeliveryMatrixModel::clearResets()
{
    m_tracker->recordSent(sent(QStringLiteral("a"), QStringLiteral("pane-1"),
        QStringLiteral("node-9090"), BackplaneMode::Off, m_now));
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_tracker->clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->columnCount(), P);
}

QTEST_GUILESS_MAIN(tst_DeliveryMatrixModel)
#include "tst_deliverymatrixmodel.moc"
