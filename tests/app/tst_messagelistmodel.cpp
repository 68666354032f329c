// MessageListModel: batched inserts, bounded rows, warnings on shown or queued messages.
#include "app/messagelistmodel.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

ChatMessage message(int n, Via via = Via::Local)
{
    ChatMessage m;
    m.id = QStringLiteral("id-%1").arg(n);
    m.room = QStringLiteral("lobby");
    m.from = QStringLiteral("user-%1").arg(n % 3);
    m.text = QStringLiteral("<b>text %1</b>").arg(n);
    m.node = QStringLiteral("node-9090");
    m.sentAt = 1700000000000 + n;
    m.via = via;
    return m;
}

} // namespace

class tst_MessageListModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void batchesInserts();
    void roles();
    void capacity_data();
    void capacity();
    void warnings();
    void ownSendShowsAtOnce();
    void ownMessageBackThroughHistoryIsNotCaughtUp();
    void clear();
};

void tst_MessageListModel::batchesInserts()
{
    MessageListModel model;
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 100; ++i)
        model.append(message(i), false, false);
    QCOMPARE(model.rowCount(), 0); // not yet: one insert per flush
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 100, 2000);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 99);
}

void tst_MessageListModel::roles()
{
    MessageListModel model;
    model.append(message(1, Via::PubSub), true, true);
    model.flush();
    const QModelIndex at = model.index(0);
    QCOMPARE(at.data(MessageListModel::FromRole).toString(), QStringLiteral("user-1"));
    QCOMPARE(at.data(MessageListModel::TextRole).toString(),
        QStringLiteral("<b>text 1</b>")); // kept as plain data
    QCOMPARE(at.data(MessageListModel::NodeRole).toString(), QStringLiteral("node-9090"));
    QCOMPARE(Via(at.data(MessageListModel::ViaRole).toInt()), Via::PubSub);
    QCOMPARE(at.data(MessageListModel::HistoryRole).toBool(), true);
    QCOMPARE(at.data(MessageListModel::OwnRole).toBool(), true);
    QCOMPARE(at.data(MessageListModel::IdRole).toString(), QStringLiteral("id-1"));
    QVERIFY(at.data(Qt::ToolTipRole).toString().contains(QStringLiteral("History")));
    QVERIFY(!model.index(1).data(MessageListModel::TextRole).isValid());
}

void tst_MessageListModel::capacity_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QList<int>>("batches"); // messages appended before each flush
    QTest::addColumn<int>("firstKept");
    QTest::addRow("under") << 10 << QList<int> {5} << 0;
    QTest::addRow("exactly") << 10 << QList<int> {10} << 0;
    QTest::addRow("one batch over") << 10 << QList<int> {25} << 15;
    QTest::addRow("spread over batches") << 10 << QList<int> {6, 6, 6} << 8;
    QTest::addRow("big batch after rows") << 10 << QList<int> {4, 30} << 24;
}

void tst_MessageListModel::capacity()
{
    QFETCH(int, capacity);
    QFETCH(QList<int>, batches);
    QFETCH(int, firstKept);
    MessageListModel model;
    model.setCapacity(capacity);
    int n = 0;
    for (const int batch : batches) {
        for (int i = 0; i < batch; ++i)
            model.append(message(n++), false, false);
        model.flush();
    }
    QCOMPARE(model.rowCount(), qMin(capacity, n));
    QCOMPARE(model.index(0).data(MessageListModel::IdRole).toString(),
        QStringLiteral("id-%1").arg(firstKept));
    QCOMPARE(model.index(model.rowCount() - 1).data(MessageListModel::IdRole).toString(),
        QStringLiteral("id-%1").arg(n - 1));
    // Warnings still find rows after the front was dropped.
    model.setWarning(QStringLiteral("id-%1").arg(n - 1), QStringLiteral("late"));
    QCOMPARE(model.index(model.rowCount() - 1).data(MessageListModel::WarningRole).toString(),
        QStringLiteral("late"));
}

void tst_MessageListModel::warnings()
{
    MessageListModel model;
    model.append(message(1), false, false);
    model.flush();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setWarning(QStringLiteral("id-1"), QStringLiteral("Redis is down"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(0).data(MessageListModel::WarningRole).toString(),
        QStringLiteral("Redis is down"));
    // Queued, not shown yet: kept for when it shows.
    model.append(message(2), false, false);
    model.setWarning(QStringLiteral("id-2"), QStringLiteral("queued"));
    model.flush();
    QCOMPARE(
        model.index(1).data(MessageListModel::WarningRole).toString(), QStringLiteral("queued"));
    model.setWarning(QStringLiteral("unknown"), QStringLiteral("x")); // ignored
    QCOMPARE(model.rowCount(), 2);
}

void tst_MessageListModel::ownSendShowsAtOnce()
{
    MessageListModel model;
    ChatMessage mine = message(1);
    model.appendSending(QStringLiteral("sending:1"), mine, QStringLiteral("sending…"));
    QCOMPARE(model.rowCount(), 1); // no batching wait for the sender's own text
    QCOMPARE(
        model.index(0).data(MessageListModel::StatusRole).toString(), QStringLiteral("sending…"));
    QVERIFY(model.index(0).data(MessageListModel::OwnRole).toBool());
    model.setStatus(QStringLiteral("sending:1"), QStringLiteral("queued"));
    QCOMPARE(
        model.index(0).data(MessageListModel::StatusRole).toString(), QStringLiteral("queued"));
    // Answer first, broadcast second (streams): one row, under the node's id.
    model.confirmSending(QStringLiteral("sending:1"), mine.id);
    QCOMPARE(model.index(0).data(MessageListModel::StatusRole).toString(), QString());
    QCOMPARE(model.index(0).data(MessageListModel::IdRole).toString(), mine.id);
    model.append(mine, false, true);
    model.flush();
    QCOMPARE(model.rowCount(), 1);

    // Broadcast first, answer second (off, pub/sub): still one row.
    ChatMessage second = message(2);
    model.appendSending(QStringLiteral("sending:2"), second, QStringLiteral("sending…"));
    model.append(second, false, true);
    model.flush();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1).data(MessageListModel::IdRole).toString(), second.id);
    QCOMPARE(model.index(1).data(MessageListModel::StatusRole).toString(), QString());
    model.confirmSending(QStringLiteral("sending:2"), second.id);
    QCOMPARE(model.rowCount(), 2);

    // Refused: the row stays and says so.
    model.appendSending(QStringLiteral("sending:3"), message(3), QStringLiteral("sending…"));
    model.failSending(QStringLiteral("sending:3"), QStringLiteral("rate limit exceeded"));
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(model.index(2).data(MessageListModel::FailedRole).toBool());
    QVERIFY(model.index(2)
                .data(MessageListModel::StatusRole)
                .toString()
                .contains(QStringLiteral("rate limit exceeded")));
}

void tst_MessageListModel::ownMessageBackThroughHistoryIsNotCaughtUp()
{
    // A streams message queued while Redis was down can reach its own pane
    // through the History catch-up: the sender's row is delivered, not "↺".
    MessageListModel model;
    const ChatMessage queued = message(1, Via::Streams);
    model.appendSending(QStringLiteral("sending:1"), queued, QStringLiteral("◷ queued"));
    model.append(queued, true, true); // before the node's answer
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data(MessageListModel::HistoryRole).toBool(), false);
    QCOMPARE(model.index(0).data(MessageListModel::StatusRole).toString(), QString());

    const ChatMessage answered = message(2, Via::Streams);
    model.appendSending(QStringLiteral("sending:2"), answered, QStringLiteral("◷ queued"));
    model.confirmSending(QStringLiteral("sending:2"), answered.id);
    model.append(answered, true, true); // after it
    model.flush();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1).data(MessageListModel::HistoryRole).toBool(), false);

    // Someone else's message caught up is marked.
    model.append(message(3, Via::Streams), true, false);
    model.flush();
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(2).data(MessageListModel::HistoryRole).toBool(), true);
}

void tst_MessageListModel::clear()
{
    MessageListModel model;
    model.append(message(1), false, false);
    model.flush();
    model.append(message(2), false, false);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    model.append(message(3), false, false);
    model.setWarning(QStringLiteral("id-3"), QStringLiteral("w"));
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data(MessageListModel::WarningRole).toString(), QStringLiteral("w"));
}

QTEST_GUILESS_MAIN(tst_MessageListModel)
#include "tst_messagelistmodel.moc"
