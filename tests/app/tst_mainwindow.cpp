// The desktop app end to end, driven through its widgets (offscreen) against a
// real farm: 3 farmchat-node processes and a private redis-server. Launch by
// clicking, type in pane 1 and press Enter: off keeps it on its node, pub/sub
// and streams bring it to every pane; switching keeps every pane connected;
// a killed node's pane drops and comes back; closing leaves no process.
#include "appfarmfixture.h"
#include "windowfit.h"

#include "app/chatpane.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixmodel.h"
#include "app/deliverymatrixview.h"
#include "app/elidedlabel.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/messagelistmodel.h"
#include "app/panegrid.h"
#include "app/panesession.h"
#include "app/topologyview.h"
#include "launcher/executablelocator.h"
#include "launcher/farmnode.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace farmchat;

namespace {

constexpr int kNodes = 3;
constexpr int kStartMs = 30000;

using test::paneHasText;

// Radio buttons and check boxes only take clicks on their indicator and label,
// not anywhere in a stretched row: click where a user would, on the indicator.
void clickIndicator(QAbstractButton *button)
{
    QTest::mouseClick(button, Qt::LeftButton, {},
        QPoint(button->fontMetrics().height() / 2, button->height() / 2));
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void portConflictIsFlagged();
    void missingRedisServerExplainsTheFix();
    void launchFromTheFarmBar();
    void paneHeadersFitTheirWidth();
    void controlsFitWithoutScrolling();
    void offKeepsMessagesOnTheirNode();
    void paneNotesDoNotGoStale();
    void switchingKeepsPanesConnected();
    void pubsubCrossesToEveryPane();
    void streamsCrossesToEveryPane();
    void killedNodeDropsAndComesBack();
    void partitionBoxCutsTheNodeOff();
    void redisStopAndRestart();
    void keyboard();
    void closeStopsEverything();

private:
    // Types `text` in pane `pane` and presses Enter, as a user would.
    void typeAndSend(int pane, const QString &text);
    // Waits until message `text` is settled in the matrix; returns its row.
    int settledRow(const QString &text);

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
    QList<qint64> m_pids;
};

void tst_MainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    const quint16 base = test::freePortRun(kNodes);
    QVERIFY2(base != 0, "no run of free ports found");
    AppOptions options;
    options.nodes = kNodes;
    options.basePort = base;
    options.backplane = BackplaneMode::Off;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_MainWindow::cleanupTestCase()
{
    if (m_window) {
        m_workspace->stop();
        QTRY_COMPARE_WITH_TIMEOUT(m_workspace->supervisor().state(), FarmState::Stopped, 15000);
        m_window.reset();
    }
}

void tst_MainWindow::typeAndSend(int pane, const QString &text)
{
    ChatPane *chat = m_window->paneGrid()->pane(pane);
    QVERIFY(chat);
    QTest::keyClicks(chat->input(), text);
    QCOMPARE(chat->input()->text(), text);
    QTest::keyClick(chat->input(), Qt::Key_Return);
    QVERIFY(chat->input()->text().isEmpty());
}

int tst_MainWindow::settledRow(const QString &text)
{
    DeliveryMatrixModel &matrix = m_window->matrixView()->model();
    int row = -1;
    const auto find = [&] {
        for (int r = 0; r < matrix.rowCount(); ++r) {
            if (matrix.index(r, DeliveryMatrixModel::kMessageColumn)
                    .data()
                    .toString()
                    .endsWith(text))
                row = r;
        }
        return row >= 0 && m_workspace->tracker().isSettled();
    };
    [&] { QTRY_VERIFY_WITH_TIMEOUT(find(), 10000); }();
    return row;
}

void tst_MainWindow::portConflictIsFlagged()
{
    FarmBar *bar = m_window->farmBar();
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, quint16(bar->basePort() + 1)));
    const QString taken = QStringLiteral("port %1 is in use").arg(bar->basePort() + 1);
    // Normally a moment after an edit, and every few seconds; off the GUI thread.
    m_workspace->portCheck().checkNow();
    QTRY_VERIFY2_WITH_TIMEOUT(
        bar->portProblem().contains(taken), qPrintable(bar->portProblem()), 5000);
    QVERIFY2(bar->portProblem().contains(QString::number(QCoreApplication::applicationPid())),
        qPrintable(bar->portProblem())); // names the owner
    QVERIFY(bar->basePortSpin()->property("flagged").toBool()); // the field is marked
    QVERIFY(!bar->launchButton()->isEnabled());
    // Ctrl+L asks the same question as the button, and says why it will not launch.
    QTest::keyClick(m_window.get(), Qt::Key_L, Qt::ControlModifier);
    QMessageBox *box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (box = m_window->findChild<QMessageBox *>(QStringLiteral("errorBox"))) && box->isVisible(),
        5000);
    QVERIFY2(box->text().contains(taken), qPrintable(box->text()));
    QCOMPARE(m_workspace->supervisor().state(), FarmState::Stopped);
    box->close();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->findChild<QMessageBox *>(QStringLiteral("errorBox")), 5000);
    squatter.close();
    m_workspace->portCheck().checkNow();
    QTRY_COMPARE_WITH_TIMEOUT(bar->portProblem(), QString(), 5000);
    QVERIFY(!bar->basePortSpin()->property("flagged").toBool());
}

void tst_MainWindow::missingRedisServerExplainsTheFix()
{
    qputenv("FARMCHAT_REDIS_SERVER", "/nonexistent/redis-server");
    const auto restore = qScopeGuard([] { qunsetenv("FARMCHAT_REDIS_SERVER"); });
    QTest::mouseClick(m_window->farmBar()->launchButton(), Qt::LeftButton);
    QMessageBox *box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (box = m_window->findChild<QMessageBox *>(QStringLiteral("errorBox"))) && box->isVisible(),
        10000);
    QVERIFY2(box->text().contains(QStringLiteral("redis-server")), qPrintable(box->text()));
    QVERIFY2(box->text().contains(ExecutableLocator::redisInstallHint()), qPrintable(box->text()));
    QTRY_COMPARE_WITH_TIMEOUT(m_workspace->supervisor().state(), FarmState::Stopped, 10000);
    QCOMPARE(m_workspace->paneCount(), 0);
    QVERIFY(m_window->farmBar()->launchButton()->isEnabled());
    box->close();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->findChild<QMessageBox *>(QStringLiteral("errorBox")), 5000);
}

void tst_MainWindow::launchFromTheFarmBar()
{
    FarmBar *bar = m_window->farmBar();
    QCOMPARE(bar->nodes(), kNodes);
    QCOMPARE(bar->mode(), BackplaneMode::Off);
    QTRY_VERIFY_WITH_TIMEOUT(bar->portProblem().isEmpty(), 5000);
    QSignalSpy started(&m_workspace->supervisor(), &FarmSupervisor::started);
    QTest::mouseClick(bar->launchButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!bar->launchButton()->isEnabled(), 2000);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kStartMs);
    QCOMPARE(m_window->paneGrid()->paneCount(), kNodes);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(*m_workspace, kNodes), 10000);
    for (int i = 0; i < kNodes; ++i)
        QCOMPARE(m_window->paneGrid()->pane(i)->stateText(), QStringLiteral("connected"));
    QVERIFY(m_window->farmStatusText().contains(QStringLiteral("running")));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->redisStatusText().contains(QStringLiteral("healthy")), 5000);
    m_pids = test::farmPids(m_workspace->supervisor());
    QCOMPARE(m_pids.size(), kNodes + 1);
    QCOMPARE(m_window->matrixView()->model().columnCount(),
        DeliveryMatrixModel::kFirstPaneColumn + kNodes);
}

void tst_MainWindow::controlsFitWithoutScrolling()
{
    // At 1280×720 with the default layout every control of the Faults dock is
    // in view: none hides below the bottom or behind a scroll bar.
    const QSize before = m_window->size();
    const auto restoreSize = qScopeGuard([&] { m_window->resize(before); });
    m_window->resize(1280, 720);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), QSize(1280, 720), 2000);
    ControlsPanel *controls = m_window->controls();
    QList<QWidget *> wanted;
    for (BackplaneMode mode : {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams})
        wanted << controls->modeButton(mode);
    for (const QString &what :
        {QStringLiteral("stop"), QStringLiteral("kill"), QStringLiteral("restart")})
        wanted << controls->redisButton(what);
    for (int node = 0; node < kNodes; ++node)
        wanted << controls->nodeButton(node, QStringLiteral("kill"))
               << controls->nodeButton(node, QStringLiteral("restart"))
               << controls->cutOffBox(node);
    for (QToolButton *b : controls->findChildren<QToolButton *>())
        wanted << b; // the guided demo
    QVERIFY(wanted.size() > 6 + 3 * kNodes);
    QString outOfView;
    QTRY_VERIFY2_WITH_TIMEOUT((outOfView = test::controlOutOfView(*m_window, wanted)).isEmpty(),
        qPrintable(outOfView), 2000);
    QString cut;
    QTRY_VERIFY2_WITH_TIMEOUT((cut = test::paneCut(*m_window)).isEmpty(), qPrintable(cut), 2000);
}

void tst_MainWindow::paneHeadersFitTheirWidth()
{
    // Wide: "node-N · port N  connected". Narrow: the port repeated in the
    // name goes first, so the state stays whole; and the window never grows
    // past what the user gave it.
    ChatPane *pane = m_window->paneGrid()->pane(0);
    auto *title = pane->findChild<ElidedLabel *>(QStringLiteral("paneTitle"));
    auto *state = pane->findChild<ElidedLabel *>(QStringLiteral("paneState"));
    QVERIFY(title && state);
    const QSize before = m_window->size();
    const QString nodeId = m_workspace->pane(0)->nodeId();

    m_window->resize(2400, before.height());
    QTRY_VERIFY_WITH_TIMEOUT(title->text().contains(QStringLiteral("port")), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(!title->isElided(), 2000); // once the layout has run
    QVERIFY(!state->isElided());

    m_window->resize(m_window->minimumSizeHint().width(), before.height());
    QTRY_COMPARE_WITH_TIMEOUT(title->text(), nodeId, 2000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->width() <= m_window->minimumSizeHint().width(), 2000);
    QTRY_VERIFY2_WITH_TIMEOUT(!state->isElided(),
        qPrintable(QStringLiteral(
            "state shown in %1 px of %2 px; pane %3 (min %4), window %5 (min %6), bar min %7")
                       .arg(state->width())
                       .arg(state->sizeHint().width())
                       .arg(pane->width())
                       .arg(pane->minimumSizeHint().width())
                       .arg(m_window->width())
                       .arg(m_window->minimumSizeHint().width())
                       .arg(m_window->farmBar()->minimumSizeHint().width())),
        2000);
    QCOMPARE(state->text(), QStringLiteral("connected"));

    m_window->resize(before);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), before, 2000);
}

void tst_MainWindow::paneNotesDoNotGoStale()
{
    ChatPane *chat = m_window->paneGrid()->pane(0);
    QCOMPARE(chat->noteText(), QString());
    chat->input()->setText(QString(4001, QLatin1Char('x')));
    QTest::keyClick(chat->input(), Qt::Key_Return);
    QVERIFY2(chat->noteText().contains(QStringLiteral("4000")), qPrintable(chat->noteText()));
    QCOMPARE(chat->input()->text().size(), 4001); // kept to fix
    // Fixing the text takes the complaint away; so does a send that goes through.
    chat->input()->clear();
    typeAndSend(0, QStringLiteral("short enough now"));
    QCOMPARE(chat->noteText(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(
        paneHasText(*m_workspace, 0, QStringLiteral("short enough now")), 5000);
    QCOMPARE(chat->noteText(), QString());
}

void tst_MainWindow::offKeepsMessagesOnTheirNode()
{
    const QString text = QStringLiteral("hello with the backplane off");
    typeAndSend(0, text);
    QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, 0, text), 5000);
    const int row = settledRow(text); // the grace period has passed: nothing more is coming
    QVERIFY(!paneHasText(*m_workspace, 1, text));
    QVERIFY(!paneHasText(*m_workspace, 2, text));
    DeliveryMatrixModel &matrix = m_window->matrixView()->model();
    const int p = DeliveryMatrixModel::kFirstPaneColumn;
    QCOMPARE(DeliveryState(matrix.index(row, p).data(DeliveryMatrixModel::StateRole).toInt()),
        DeliveryState::Delivered);
    for (int pane = 1; pane < kNodes; ++pane) {
        QVERIFY(matrix.index(row, p + pane).data(DeliveryMatrixModel::NotCrossedRole).toBool());
        QVERIFY(matrix.index(row, p + pane).data().toString().startsWith(QStringLiteral("✕")));
    }
    QCOMPARE(matrix.index(row, DeliveryMatrixModel::kModeColumn).data().toString(),
        QStringLiteral("off"));
    QVERIFY(m_window->matrixView()->totalsText().contains(QStringLiteral("did not cross")));
}

void tst_MainWindow::switchingKeepsPanesConnected()
{
    QList<std::shared_ptr<QSignalSpy>> drops;
    for (int i = 0; i < kNodes; ++i)
        drops << std::make_shared<QSignalSpy>(m_workspace->pane(i), &PaneSession::stateChanged);
    QSignalSpy switched(&m_workspace->supervisor(), &FarmSupervisor::backplaneRequestFinished);
    QAbstractButton *pubsub = m_window->controls()->modeButton(BackplaneMode::PubSub);
    clickIndicator(pubsub);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    QVERIFY2(qvariant_cast<Result<void>>(switched.at(0).at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.at(0).at(2)).error()));
    QCOMPARE(m_window->mode(), BackplaneMode::PubSub);
    QCOMPARE(m_window->farmBar()->mode(), BackplaneMode::PubSub); // the farm bar follows
    QTRY_VERIFY_WITH_TIMEOUT(
        m_workspace->supervisor().node(2)->health().backplane == BackplaneMode::PubSub, 5000);
    QVERIFY(test::allPanesConnected(*m_workspace, kNodes));
    for (int i = 0; i < kNodes; ++i)
        QVERIFY2(drops[i]->isEmpty(),
            qPrintable(QStringLiteral("pane %1 changed state while switching").arg(i + 1)));
}

void tst_MainWindow::pubsubCrossesToEveryPane()
{
    const QString text = QStringLiteral("hello over pub/sub");
    typeAndSend(0, text);
    for (int pane = 0; pane < kNodes; ++pane)
        QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, pane, text), 5000);
    // Panes 2 and 3 got it over the backplane; pane 1 from its own node.
    MessageListModel &far = m_workspace->pane(2)->messages();
    QCOMPARE(
        Via(far.index(far.rowCount() - 1).data(MessageListModel::ViaRole).toInt()), Via::PubSub);
    const int row = settledRow(text);
    DeliveryMatrixModel &matrix = m_window->matrixView()->model();
    for (int pane = 0; pane < kNodes; ++pane)
        QCOMPARE(DeliveryState(matrix.index(row, DeliveryMatrixModel::kFirstPaneColumn + pane)
                                   .data(DeliveryMatrixModel::StateRole)
                                   .toInt()),
            DeliveryState::Delivered);
    QVERIFY(m_workspace->tracker().row(row).matchesPromise);
    QVERIFY(m_window->topologyView()->flow().linkCount(0, TopologyFlow::kRedis) >= 1);
}

void tst_MainWindow::streamsCrossesToEveryPane()
{
    QSignalSpy switched(&m_workspace->supervisor(), &FarmSupervisor::backplaneRequestFinished);
    m_workspace->setMode(BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    QVERIFY2(qvariant_cast<Result<void>>(switched.at(0).at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.at(0).at(2)).error()));
    const QString text = QStringLiteral("hello over streams, from pane 3");
    typeAndSend(2, text);
    for (int pane = 0; pane < kNodes; ++pane)
        QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, pane, text), 5000);
    const int row = settledRow(text);
    QVERIFY(m_workspace->tracker().row(row).matchesPromise);
    QCOMPARE(m_workspace->tracker().row(row).message.mode, BackplaneMode::Streams);
    QVERIFY(test::allPanesConnected(*m_workspace, kNodes));
}

void tst_MainWindow::killedNodeDropsAndComesBack()
{
    ControlsPanel *controls = m_window->controls();
    QPushButton *kill = controls->nodeButton(1, QStringLiteral("kill"));
    QVERIFY(kill && kill->isEnabled());
    QTest::mouseClick(kill, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_workspace->pane(1)->state() != HubConnection::State::Connected, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->paneGrid()->pane(1)->stateText().startsWith(QStringLiteral("disconnected")),
        5000);
    QTRY_VERIFY_WITH_TIMEOUT(controls->nodeStateText(1).contains(QStringLiteral("crashed")), 5000);
    const QString nodeName = m_workspace->supervisor().node(1)->name();
    QTRY_VERIFY2_WITH_TIMEOUT(
        m_window->statusMessage().startsWith(QStringLiteral("✕ %1 is").arg(nodeName)),
        qPrintable(m_window->statusMessage()), 5000);
    // The others carry on.
    QCOMPARE(m_workspace->pane(0)->state(), HubConnection::State::Connected);
    // A message sent meanwhile reaches pane 2 after the restart through History.
    const QString text = QStringLiteral("sent while node 2 was down");
    typeAndSend(0, text);
    QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, 2, text), 5000);

    QTest::mouseClick(controls->nodeButton(1, QStringLiteral("restart")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_workspace->pane(1)->state(), HubConnection::State::Connected, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->paneGrid()->pane(1)->stateText(), QStringLiteral("connected"), 5000);
    // The failure line gives way to the recovery instead of outliving it.
    QVERIFY2(!m_window->statusMessage().startsWith(QStringLiteral("✕ %1 is").arg(nodeName)),
        qPrintable(m_window->statusMessage()));
    QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, 1, text), 10000);
    // Caught up, not live: marked so.
    MessageListModel &model = m_workspace->pane(1)->messages();
    bool fromHistory = false;
    for (int r = 0; r < model.rowCount(); ++r) {
        if (model.index(r).data(MessageListModel::TextRole).toString() == text)
            fromHistory = model.index(r).data(MessageListModel::HistoryRole).toBool();
    }
    QVERIFY(fromHistory);
    m_pids = test::farmPids(m_workspace->supervisor()) + m_pids; // the restarted node's new pid too
}

void tst_MainWindow::partitionBoxCutsTheNodeOff()
{
    // The app's farm has link proxies: the node's box partitions its Redis link.
    QCheckBox *cut = m_window->controls()->cutOffBox(2);
    QVERIFY(cut && cut->isEnabled());
    QCOMPARE(cut->text(), QStringLiteral("Partition"));
    QSignalSpy changed(&m_workspace->supervisor(), &FarmSupervisor::linkFaultChanged);
    clickIndicator(cut);
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 10000);
    QVERIFY(m_workspace->isPartitioned(2));
    QVERIFY(!m_workspace->isNodeBackplaneOff(2)); // its mode stays: the link is what broke
    const Result<void> cutLink = m_window->topologyView()->checkLink(2);
    QVERIFY(!cutLink.ok());
    QVERIFY2(cutLink.error().contains(QStringLiteral("partitioned")), qPrintable(cutLink.error()));
    QVERIFY(m_window->topologyView()->checkLink(0).ok());

    const QString text = QStringLiteral("node 3 is cut off now");
    typeAndSend(0, text);
    QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, 1, text), 5000);
    QVERIFY(!paneHasText(*m_workspace, 2, text));
    // Healed: what the partition held reaches node 3, late.
    clickIndicator(cut);
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 2, 10000);
    QVERIFY(!m_workspace->isPartitioned(2));
    QVERIFY(!cut->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, 2, text), 5000);
    settledRow(text);
}

void tst_MainWindow::redisStopAndRestart()
{
    ControlsPanel *controls = m_window->controls();
    QTest::mouseClick(controls->redisButton(QStringLiteral("stop")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controls->redisStateText().contains(QStringLiteral("stopped")), 10000);
    QVERIFY(m_window->redisStatusText().contains(QStringLiteral("stopped")));
    // Said where the eye is, not only in the dock.
    QVERIFY2(m_window->statusMessage().contains(QStringLiteral("redis")),
        qPrintable(m_window->statusMessage()));
    for (int node = 0; node < kNodes; ++node) {
        const Result<void> link = m_window->topologyView()->checkLink(node);
        QVERIFY(!link.ok());
        QVERIFY2(link.error().contains(QStringLiteral("Redis")), qPrintable(link.error()));
    }
    // Panes stay connected to their nodes: only the backplane is down.
    QVERIFY(test::allPanesConnected(*m_workspace, kNodes));

    // Streams holds a message back while Redis is down: the sender sees it at
    // once, marked queued, and the matrix has its pending row.
    QCOMPARE(m_workspace->mode(), BackplaneMode::Streams);
    QVERIFY(m_workspace->supervisor().state() == FarmState::Running);
    const QString queued = QStringLiteral("queued while Redis is down");
    typeAndSend(0, queued);
    MessageListModel &own = m_workspace->pane(0)->messages();
    const auto ownRow = [&] {
        for (int r = own.rowCount() - 1; r >= 0; --r) {
            if (own.index(r).data(MessageListModel::TextRole).toString() == queued)
                return r;
        }
        return -1;
    };
    QVERIFY(ownRow() >= 0); // shown now, not when Redis is back
    QTRY_VERIFY_WITH_TIMEOUT(own.index(ownRow())
                                 .data(MessageListModel::StatusRole)
                                 .toString()
                                 .contains(QStringLiteral("waiting for Redis")),
        3000);
    QCOMPARE(m_workspace->pane(0)->unansweredSends(), 1);
    DeliveryMatrixModel &matrix = m_window->matrixView()->model();
    int matrixRow = -1;
    for (int r = 0; r < matrix.rowCount(); ++r) {
        if (matrix.index(r, DeliveryMatrixModel::kMessageColumn).data().toString().endsWith(queued))
            matrixRow = r;
    }
    QVERIFY(matrixRow >= 0);
    QVERIFY(m_workspace->tracker().row(matrixRow).awaitingNode);
    for (int pane = 0; pane < kNodes; ++pane) {
        const QModelIndex cell
            = matrix.index(matrixRow, DeliveryMatrixModel::kFirstPaneColumn + pane);
        QCOMPARE(DeliveryState(cell.data(DeliveryMatrixModel::StateRole).toInt()),
            DeliveryState::Pending);
        QVERIFY2(cell.data().toString().contains(QStringLiteral("queued")),
            qPrintable(cell.data().toString()));
    }

    QTest::mouseClick(controls->redisButton(QStringLiteral("restart")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controls->redisStateText().contains(QStringLiteral("healthy")), 10000);
    // Every node finds Redis again by itself.
    for (int node = 0; node < kNodes; ++node)
        QTRY_VERIFY_WITH_TIMEOUT(
            m_workspace->supervisor().node(node)->health().redisConnected, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topologyView()->checkLink(0).ok(), 5000);
    // The queued message went out: delivered everywhere, no longer marked.
    QTRY_COMPARE_WITH_TIMEOUT(m_workspace->pane(0)->unansweredSends(), 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        own.index(ownRow()).data(MessageListModel::StatusRole).toString().isEmpty(), 5000);
    for (int pane = 0; pane < kNodes; ++pane)
        QTRY_VERIFY_WITH_TIMEOUT(paneHasText(*m_workspace, pane, queued), 10000);
    own.flush();
    QCOMPARE(
        own.match(own.index(0), MessageListModel::TextRole, queued, -1, Qt::MatchExactly).size(),
        1); // one row: the broadcast took over the queued row
    QVERIFY(!m_workspace->tracker().row(matrixRow).awaitingNode);
    QTRY_VERIFY_WITH_TIMEOUT(m_workspace->tracker().isSettled(), 10000);
    for (int pane = 0; pane < kNodes; ++pane) {
        const DeliveryState state = m_workspace->tracker().cell(matrixRow, pane).state;
        QVERIFY2(state == DeliveryState::Late || state == DeliveryState::Delivered,
            qPrintable(deliveryStateName(state)));
    }
}

void tst_MainWindow::keyboard()
{
    PaneGrid *grid = m_window->paneGrid();
    m_window->activateWindow(); // shortcuts need an active window, as a user's keys do
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    grid->pane(0)->focusInput();
    QTRY_COMPARE_WITH_TIMEOUT(grid->focusedPane(), 0, 2000);
    QTest::keyClick(m_window.get(), Qt::Key_F6);
    QTRY_COMPARE_WITH_TIMEOUT(grid->focusedPane(), 1, 2000);
    QTest::keyClick(m_window.get(), Qt::Key_F6, Qt::ShiftModifier);
    QTRY_COMPARE_WITH_TIMEOUT(grid->focusedPane(), 0, 2000);
    for (const char *name : {"launch", "stop", "cycleMode", "nextPane", "guidedDemo", "quit"})
        QVERIFY2(!m_window->action(QLatin1String(name))->shortcut().isEmpty(), name);
    // Dock toggles in the View menu show titles as written: no '&' eaten as a mnemonic.
    QStringList dockToggles;
    for (const QDockWidget *dock : m_window->findChildren<QDockWidget *>())
        dockToggles << dock->toggleViewAction()->iconText();
    QVERIFY2(dockToggles.contains(QStringLiteral("Faults & controls")),
        qPrintable(dockToggles.join(u'|')));
    // Ctrl+B cycles the mode (streams → off).
    QSignalSpy switched(&m_workspace->supervisor(), &FarmSupervisor::backplaneRequestFinished);
    const BackplaneMode before = m_window->mode();
    m_window->action(QStringLiteral("cycleMode"))->trigger();
    QCOMPARE(int(m_window->mode()), (int(before) + 1) % 3);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
}

void tst_MainWindow::closeStopsEverything()
{
    // Every process now running, plus the ones that ran before a restart.
    const QList<qint64> running = test::farmPids(m_workspace->supervisor());
    QCOMPARE(running.size(), kNodes + 1);
    for (const qint64 pid : running)
        QVERIFY(test::processAlive(pid));
    m_pids += running;
    QSignalSpy closed(m_window.get(), &MainWindow::closedAndStopped);
    m_window->close();
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 15000);
    QCOMPARE(m_workspace->supervisor().state(), FarmState::Stopped);
    QVERIFY(!m_window->isVisible());
    for (const qint64 pid : std::as_const(m_pids))
        QTRY_VERIFY2_WITH_TIMEOUT(!test::processAlive(pid),
            qPrintable(QStringLiteral("pid %1 outlived the app").arg(pid)), 5000);
    // Remembered for next time.
    auto settings = test::scratchSettings(m_dir);
    QCOMPARE(settings->value(QStringLiteral("farm/nodes")).toInt(), kNodes);
    QVERIFY(!settings->value(QStringLiteral("window/geometry")).toByteArray().isEmpty());
    m_window.reset();
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
