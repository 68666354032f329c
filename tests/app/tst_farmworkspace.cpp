// FarmWorkspace without a display: a real 2-node farm, one pane per node (a
// node added while it runs gets one, a pane whose node leaves moves),
// every message reported once per pane, the backplane switched and cut live,
// stop() leaving nothing behind; the workspace owns the chosen node count,
// base port and mode, and a mode chosen while the farm starts is applied once
// it runs.
#include "appfarmfixture.h"

#include "app/farmworkspace.h"
#include "app/messagelistmodel.h"
#include "app/panesession.h"
#include "launcher/farmnode.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

class tst_FarmWorkspace : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void panesFollowTheFarm();
    void offThenPubsub();
    void cutOffAndClear();
    void scalesWhileRunning();
    void stopLeavesNothing();
    void modeChosenWhileStartingIsAppliedOnceRunning();

private:
    void sendAndSettle(int pane, const QString &text);
    FarmWorkspace m_workspace;
    QList<qint64> m_pids;
};

void tst_FarmWorkspace::initTestCase()
{
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
}

void tst_FarmWorkspace::sendAndSettle(int pane, const QString &text)
{
    QSignalSpy sent(&m_workspace, &FarmWorkspace::messageSent);
    m_workspace.sendFrom(pane, text);
    QTRY_COMPARE_WITH_TIMEOUT(sent.count(), 1, 5000);
    QVERIFY(sent.at(0).at(2).toString().endsWith(text)); // "name: text" for the matrix
    QTRY_VERIFY_WITH_TIMEOUT(m_workspace.tracker().isSettled(), 10000);
}

void tst_FarmWorkspace::panesFollowTheFarm()
{
    FarmConfig config;
    config.nodes = 2;
    config.basePort = test::freePortRun(2);
    config.backplane = BackplaneMode::Off;
    QVERIFY(config.basePort != 0);
    m_workspace.setPaneName(1, QStringLiteral("bob"));
    QSignalSpy created(&m_workspace, &FarmWorkspace::panesCreated);
    QSignalSpy modeChanged(&m_workspace, &FarmWorkspace::modeChanged);
    m_workspace.setMode(BackplaneMode::Streams);
    m_workspace.launch(config);
    // What runs is what the workspace says is chosen.
    QCOMPARE(m_workspace.mode(), BackplaneMode::Off);
    QCOMPARE(modeChanged.count(), 2);
    QCOMPARE(m_workspace.nodes(), 2);
    QCOMPARE(m_workspace.basePort(), config.basePort);
    QVERIFY(!m_workspace.portCheck().isActive()); // the farm's ports are its own now
    QCOMPARE(m_workspace.paneCount(), 0); // not before the farm is up
    QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, 30000);
    QCOMPARE(m_workspace.paneCount(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(m_workspace, 2), 10000);
    QCOMPARE(m_workspace.pane(1)->name(), QStringLiteral("bob"));
    QCOMPARE(m_workspace.pane(0)->name(), QStringLiteral("user-1"));
    QCOMPARE(m_workspace.nodeIndexOf(m_workspace.pane(1)->nodeId()), 1);
    QCOMPARE(m_workspace.nodeIndexOf(QStringLiteral("node-elsewhere")), -1);
    QCOMPARE(m_workspace.tracker().columnCount(), 2);
    m_pids = test::farmPids(m_workspace.supervisor());
}

void tst_FarmWorkspace::offThenPubsub()
{
    QSignalSpy seen(&m_workspace, &FarmWorkspace::messageSeen);
    sendAndSettle(0, QStringLiteral("off"));
    QCOMPARE(seen.count(), 1); // pane 1 only
    QCOMPARE(seen.at(0).at(0).toInt(), 0); // origin node
    QCOMPARE(seen.at(0).at(1).toInt(), 0); // seen at
    QCOMPARE(seen.at(0).value(2).value<Via>(), Via::Local);
    QCOMPARE(m_workspace.tracker().totals(BackplaneMode::Off).matching, 1);

    QSignalSpy switched(&m_workspace.supervisor(), &FarmSupervisor::backplaneRequestFinished);
    m_workspace.setMode(BackplaneMode::PubSub);
    QCOMPARE(m_workspace.mode(), BackplaneMode::PubSub);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    QVERIFY2(qvariant_cast<Result<void>>(switched.at(0).at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.at(0).at(2)).error()));
    QCOMPARE(m_workspace.supervisor().backplane(), BackplaneMode::PubSub);
    seen.clear();
    sendAndSettle(1, QStringLiteral("pubsub"));
    QTRY_COMPARE_WITH_TIMEOUT(seen.count(), 2, 5000);
    QCOMPARE(m_workspace.tracker().totals(BackplaneMode::PubSub).matching, 1);
    QVERIFY(m_workspace.messagesTotal() >= 3);
    QCOMPARE(m_workspace.messagesPerSecond(), 0.0); // a rate over the last second: quiet since
}

void tst_FarmWorkspace::cutOffAndClear()
{
    QSignalSpy switched(&m_workspace.supervisor(), &FarmSupervisor::backplaneRequestFinished);
    m_workspace.setNodeBackplaneOff(1, true);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    QVERIFY(m_workspace.isNodeBackplaneOff(1));
    QVERIFY(!m_workspace.isNodeBackplaneOff(0));
    QSignalSpy seen(&m_workspace, &FarmWorkspace::messageSeen);
    sendAndSettle(0, QStringLiteral("cut"));
    QCOMPARE(seen.count(), 1); // node 2 no longer hears the backplane
    m_workspace.setNodeBackplaneOff(1, false);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 2, 10000);
    QVERIFY(!m_workspace.isNodeBackplaneOff(1));

    QVERIFY(m_workspace.tracker().rowCount() > 0);
    m_workspace.clearMatrix();
    QCOMPARE(m_workspace.tracker().rowCount(), 0);
    QCOMPARE(m_workspace.tracker().columnCount(), 2); // the panes are still its columns
}

void tst_FarmWorkspace::scalesWhileRunning()
{
    FarmSupervisor &farm = m_workspace.supervisor();
    QSignalSpy added(&m_workspace, &FarmWorkspace::paneAdded);
    QSignalSpy notices(&m_workspace, &FarmWorkspace::notice);
    QVERIFY(m_workspace.canAddNode());
    m_workspace.addNode();
    QTRY_COMPARE_WITH_TIMEOUT(added.count(), 1, 20000);
    QCOMPARE(added.at(0).at(0).toInt(), 2);
    QCOMPARE(m_workspace.paneCount(), 3);
    QCOMPARE(farm.nodeCount(), 3);
    QCOMPARE(m_workspace.nodes(), 3); // the farm bar shows what runs
    QCOMPARE(m_workspace.tracker().columnCount(), 3);
    QCOMPARE(farm.nodeBackplane(2), BackplaneMode::PubSub); // the farm's mode now
    const QString joined = farm.node(2)->name();
    QCOMPARE(m_workspace.pane(2)->nodeId(), joined);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(m_workspace, 3), 10000);
    m_pids << test::farmPids(farm);
    QSignalSpy seen(&m_workspace, &FarmWorkspace::messageSeen);
    sendAndSettle(2, QStringLiteral("from the node that joined"));
    QTRY_COMPARE_WITH_TIMEOUT(seen.count(), 3, 5000);

    // Node 0 leaves: its pane moves to another node, the others keep their colours.
    const QString leaving = farm.node(0)->name();
    const int joinedColour = m_workspace.colourOf(joined);
    QSignalSpy removed(&farm, &FarmSupervisor::nodeRemoveFinished);
    m_workspace.removeNode(0);
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 1, 15000);
    QVERIFY(qvariant_cast<Result<void>>(removed.at(0).at(2)).ok());
    QCOMPARE(removed.at(0).at(1).toString(), leaving);
    QCOMPARE(farm.nodeCount(), 2);
    QCOMPARE(m_workspace.nodes(), 2);
    QCOMPARE(m_workspace.paneCount(), 3);
    QCOMPARE(m_workspace.nodeIndexOf(leaving), -1);
    QVERIFY(m_workspace.pane(0)->nodeId() != leaving);
    QCOMPARE(m_workspace.colourOf(joined), joinedColour);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(m_workspace, 3), 10000);
    seen.clear();
    sendAndSettle(0, QStringLiteral("from the pane that moved"));
    QTRY_COMPARE_WITH_TIMEOUT(seen.count(), 3, 5000);
    QCOMPARE(notices.count(), 2); // joined, left
    QVERIFY(notices.at(0).at(1).toBool() && notices.at(1).at(1).toBool());

    // The last node stays.
    m_workspace.removeNode(0);
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 2, 15000);
    m_workspace.removeNode(0);
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 3, 5000);
    const Result<void> refused = qvariant_cast<Result<void>>(removed.at(2).at(2));
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().contains(u"last node"), qPrintable(refused.error()));
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(m_workspace, 3), 10000);
}

void tst_FarmWorkspace::stopLeavesNothing()
{
    QSignalSpy cleared(&m_workspace, &FarmWorkspace::panesCleared);
    QSignalSpy stopped(&m_workspace.supervisor(), &FarmSupervisor::stopped);
    m_workspace.stop();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(m_workspace.paneCount(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 15000);
    for (const qint64 pid : std::as_const(m_pids))
        QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(pid), 5000);
    QVERIFY(m_workspace.portCheck().isActive()); // stopped: the ports are checked again
}

void tst_FarmWorkspace::modeChosenWhileStartingIsAppliedOnceRunning()
{
    FarmConfig config;
    config.nodes = 1;
    config.basePort = test::freePortRun(1);
    config.backplane = BackplaneMode::Off;
    QVERIFY(config.basePort != 0);
    QSignalSpy switched(&m_workspace.supervisor(), &FarmSupervisor::backplaneRequestFinished);
    m_workspace.launch(config);
    QCOMPARE(m_workspace.supervisor().state(), FarmState::Starting);
    m_workspace.setMode(BackplaneMode::Streams);
    QCOMPARE(m_workspace.mode(), BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 30000);
    QCOMPARE(switched.at(0).at(0).value<BackplaneMode>(), BackplaneMode::Streams);
    QVERIFY2(qvariant_cast<Result<void>>(switched.at(0).at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.at(0).at(2)).error()));
    QCOMPARE(m_workspace.supervisor().backplane(), BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_workspace.supervisor().node(0)->health().backplane, BackplaneMode::Streams, 5000);
    const QList<qint64> pids = test::farmPids(m_workspace.supervisor());
    QSignalSpy stopped(&m_workspace.supervisor(), &FarmSupervisor::stopped);
    m_workspace.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 15000);
    for (const qint64 pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(pid), 5000);
}

QTEST_GUILESS_MAIN(tst_FarmWorkspace)
#include "tst_farmworkspace.moc"
