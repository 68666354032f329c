// PaneSession against a real farmchat-node, without a display: it records
// every send and arrival in the DeliveryTracker, fills the pane's message
// list, keeps what failed to send for the user, and keeps trying to reach a
// node that was not up yet.
#include "app/messagelistmodel.h"
#include "app/panesession.h"
#include "client/deliverytracker.h"

#include "tests/support/freeport.h"
#include "tests/support/testnode.h"
#include "tests/support/verifyresult.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

// What a sendFinished() carried: the id, or why not. Read in place, as
// QVariant cannot make a Result without a value or an error.
const Result<QString> &sentOf(const QList<QVariant> &arguments)
{
    const QVariant &id = arguments.at(1);
    if (id.metaType() != QMetaType::fromType<Result<QString>>())
        qFatal("sendFinished() carried a %s, not a Result<QString>", id.typeName());
    return *static_cast<const Result<QString> *>(id.constData());
}

QUrl nodeUrl(quint16 port)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port));
}

} // namespace

class tst_PaneSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sendsAndRecords();
    void sendWhileDisconnectedKeepsTheText();
    void refusedNameIsReported();
    void reachesANodeThatCameUpLater();
};

void tst_PaneSession::sendsAndRecords()
{
    test::TestNode node({QStringLiteral("--node-id"), QStringLiteral("node-a")});
    FARMCHAT_VERIFY_OK(node.start());
    DeliveryTracker tracker;
    PaneSession pane(0, QStringLiteral("node-a"), node.url(), tracker);
    QCOMPARE(pane.paneId(), QStringLiteral("pane-1"));
    QCOMPARE(tracker.columnCount(), 1);
    pane.setName(QStringLiteral("alice"));
    pane.start();
    QTRY_COMPARE_WITH_TIMEOUT(pane.state(), HubConnection::State::Connected, 10000);

    QSignalSpy accepted(&pane, &PaneSession::accepted);
    QSignalSpy finished(&pane, &PaneSession::sendFinished);
    QSignalSpy arrived(&pane, &PaneSession::messageArrived);
    pane.send(QStringLiteral("<i>plain</i> text"), BackplaneMode::Off);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
    const Result<QString> &sent = sentOf(finished.at(0));
    QVERIFY2(sent.ok(), qPrintable(sent.error()));
    const QString id = sent.value();
    QVERIFY(!id.isEmpty());
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(accepted.at(0).at(0).toString(), id);
    QTRY_COMPARE_WITH_TIMEOUT(arrived.count(), 1, 5000);

    const int row = tracker.rowOf(id);
    QVERIFY(row >= 0);
    QCOMPARE(tracker.row(row).message.mode, BackplaneMode::Off);
    QCOMPARE(tracker.row(row).message.originNode, QStringLiteral("node-a"));
    QTRY_COMPARE_WITH_TIMEOUT(tracker.cell(row, 0).state, DeliveryState::Delivered, 5000);

    MessageListModel &list = pane.messages();
    QTRY_COMPARE_WITH_TIMEOUT(list.rowCount(), 1, 2000);
    const QModelIndex at = list.index(0);
    QCOMPARE(at.data(MessageListModel::TextRole).toString(), QStringLiteral("<i>plain</i> text"));
    QCOMPARE(at.data(MessageListModel::FromRole).toString(), QStringLiteral("alice"));
    QCOMPARE(at.data(MessageListModel::OwnRole).toBool(), true);
    QCOMPARE(Via(at.data(MessageListModel::ViaRole).toInt()), Via::Local);
}

void tst_PaneSession::sendWhileDisconnectedKeepsTheText()
{
    DeliveryTracker tracker;
    PaneSession pane(1, QStringLiteral("node-x"), nodeUrl(test::findFreePort()), tracker);
    QSignalSpy finished(&pane, &PaneSession::sendFinished);
    pane.send(QStringLiteral("hello?"), BackplaneMode::PubSub);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
    QCOMPARE(finished.at(0).at(0).toString(),
        QStringLiteral("hello?")); // handed back for the input line
    const Result<QString> &sent = sentOf(finished.at(0));
    QVERIFY(!sent.ok());
    QVERIFY(!sent.error().isEmpty());
    // The matrix row that showed at once now says it was refused: nobody expected it.
    QCOMPARE(tracker.rowCount(), 1);
    QVERIFY(tracker.row(0).refused);
    QVERIFY(!tracker.row(0).awaitingNode);
    for (const DeliveryCell &cell : tracker.row(0).cells)
        QVERIFY(!cell.expected);
    // The pane keeps it, marked as not sent.
    pane.messages().flush();
    QCOMPARE(pane.messages().rowCount(), 1);
    QVERIFY(pane.messages().index(0).data(MessageListModel::FailedRole).toBool());
}

void tst_PaneSession::refusedNameIsReported()
{
    DeliveryTracker tracker;
    PaneSession pane(0, QStringLiteral("node-x"), nodeUrl(test::findFreePort()), tracker);
    QSignalSpy errors(&pane, &PaneSession::errorOccurred);
    pane.setName(QString(200, u'x'));
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 2000);
    QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("refused")));
}

void tst_PaneSession::reachesANodeThatCameUpLater()
{
    const quint16 port = test::findFreePort();
    DeliveryTracker tracker;
    PaneSession pane(0, QStringLiteral("node-late"), nodeUrl(port), tracker);
    QSignalSpy states(&pane, &PaneSession::stateChanged);
    pane.start();
    // Nobody listens yet: the first connect fails, and the pane tries again.
    QTRY_VERIFY_WITH_TIMEOUT(
        states.count() >= 2 && pane.state() == HubConnection::State::Disconnected, 10000);
    QTest::qWait(PaneSession::kRetryMs + 200);
    test::TestNode node({QStringLiteral("--port"), QString::number(port)});
    FARMCHAT_VERIFY_OK(node.start());
    QTRY_COMPARE_WITH_TIMEOUT(pane.state(), HubConnection::State::Connected, 10000);
    pane.stop();
    QCOMPARE(pane.state(), HubConnection::State::Disconnected);
    node.kill();
    QTest::qWait(PaneSession::kRetryMs + 200); // stopped: no retry
    QCOMPARE(pane.state(), HubConnection::State::Disconnected);
}

QTEST_GUILESS_MAIN(tst_PaneSession)
#include "tst_panesession.moc"
