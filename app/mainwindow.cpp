#include "app/mainwindow.h"

#include "app/chatpane.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixview.h"
#include "app/farmbar.h"
#include "app/farmstatusbar_p.h"
#include "app/farmworkspace.h"
#include "app/guideddemo.h"
#include "app/logbuffer.h"
#include "app/logsview_p.h"
#include "app/panegrid.h"
#include "app/scenarioplay.h"
#include "app/scenariostatus.h"
#include "app/sessionlog.h"
#include "app/sessionrecorder.h"
#include "app/topologyview.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "protocol/version.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QTimer>
#include <QToolBar>

namespace farmchat {

namespace {

// "pubsub" reads "pub/sub" in sentences.
QString modeTitle(BackplaneMode mode)
{
    return mode == BackplaneMode::PubSub ? QStringLiteral("pub/sub") : modeName(mode);
}

} // namespace

MainWindow::MainWindow(
    const AppOptions &options, std::unique_ptr<QSettings> settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings ? std::move(settings) : std::make_unique<QSettings>())
    , m_workspace(std::make_unique<FarmWorkspace>())
    , m_logs(std::make_unique<LogBuffer>())
{
    setWindowTitle(tr("FarmChat — web farm and Redis backplane demo"));
    setObjectName(QStringLiteral("mainWindow"));
    m_remembered = AppSettings::load(*m_settings);
    options.applyTo(m_remembered);
    m_autostart = options.autostart;
    m_recorder = std::make_unique<SessionRecorder>(*m_workspace);
    m_scenarioAtStart = options.scenario;
    m_workspace->applySettings(m_remembered);

    m_demo = std::make_unique<GuidedDemo>(demoHooks());

    m_bar = new FarmBar(*m_workspace, this);
    auto *toolbar = addToolBar(tr("Farm"));
    toolbar->setObjectName(QStringLiteral("farmToolBar"));
    toolbar->setMovable(false);
    toolbar->addWidget(m_bar);

    m_grid = new PaneGrid(*m_workspace);
    showIdleText(m_workspace->nodes());
    setCentralWidget(new PaneScrollArea(m_grid));

    createActions();
    createDocks();
    wireFarm();

    m_status = new FarmStatusBar(*m_workspace, this);
    setStatusBar(m_status);
    m_scenarioStatus = new ScenarioStatus(m_status);
    m_status->insertPermanentWidget(0, m_scenarioStatus);

    // A first window that shows everything, within the screen it opens on;
    // a small screen (1280×720) is all given to it.
    const int em = fontMetrics().height();
    QSize size(em * 110, em * 66);
    if (const QScreen *screen = this->screen()) {
        const QSize room = screen->availableSize();
        m_fillsScreen = room.height() < em * kFullScreenBelowEm;
        size = size.boundedTo(m_fillsScreen ? room : room * 0.9);
    }
    resize(size);
    if (!m_remembered.geometry.isEmpty()) {
        restoreGeometry(m_remembered.geometry); // maximized, if it was
        m_fillsScreen = false;
    }
    if (!m_remembered.windowState.isEmpty())
        restoreState(m_remembered.windowState);
}

MainWindow::~MainWindow()
{
    // Views go before the workspace they show (QWidget children die in ~QWidget, after this body).
    m_demo.reset();
    delete takeCentralWidget();
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        delete dock;
}

QAction *MainWindow::action(const QString &name) const
{
    return findChild<QAction *>(name);
}

BackplaneMode MainWindow::mode() const
{
    return m_workspace->mode();
}

void MainWindow::createActions()
{
    auto make = [this](const QString &name, const QString &text, const QList<QKeySequence> &keys) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::ApplicationShortcut);
        addAction(a);
        return a;
    };
    createFileMenu(make);
    QMenu *farm = menuBar()->addMenu(tr("&Farm"));
    QAction *launchAction
        = make(QStringLiteral("launch"), tr("&Launch"), {QKeySequence(Qt::CTRL | Qt::Key_L)});
    connect(launchAction, &QAction::triggered, this, &MainWindow::launch);
    QAction *stopAction = make(
        QStringLiteral("stop"), tr("&Stop"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L)});
    connect(stopAction, &QAction::triggered, this, &MainWindow::stopFarm);
    QAction *cycle = make(QStringLiteral("cycleMode"), tr("&Cycle backplane mode"),
        {QKeySequence(Qt::CTRL | Qt::Key_B)});
    connect(cycle, &QAction::triggered, m_workspace.get(), &FarmWorkspace::cycleMode);
    QAction *demo = make(
        QStringLiteral("guidedDemo"), tr("&Guided demo"), {QKeySequence(Qt::CTRL | Qt::Key_D)});
    demo->setToolTip(
        tr("Send a scripted conversation with the backplane off, then pub/sub, then streams"));
    connect(demo, &QAction::triggered, this, &MainWindow::startGuidedDemo);
    QAction *quit = make(QStringLiteral("quit"), tr("&Quit"), {QKeySequence(Qt::CTRL | Qt::Key_Q)});
    connect(quit, &QAction::triggered, this, &QWidget::close);
    farm->addActions({launchAction, stopAction, cycle, demo});
    createScenarioMenu(farm);
    farm->addSeparator();
    createScalingActions(farm);
    farm->addSeparator();
    farm->addAction(quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    QAction *next = make(QStringLiteral("nextPane"), tr("&Next pane"),
        {QKeySequence(Qt::CTRL | Qt::Key_Tab), QKeySequence(Qt::Key_F6)});
    connect(next, &QAction::triggered, this, [this] { m_grid->focusPane(1); });
    QAction *previous = make(QStringLiteral("previousPane"), tr("&Previous pane"),
        // The menu shows the first: Shift+F6 reads better than "Ctrl+Shift+Backtab".
        {QKeySequence(Qt::SHIFT | Qt::Key_F6),
            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Backtab)});
    connect(previous, &QAction::triggered, this, [this] { m_grid->focusPane(-1); });
    QAction *clear = make(QStringLiteral("clearMatrix"), tr("&Clear delivery matrix"),
        {QKeySequence(Qt::CTRL | Qt::Key_K)});
    connect(clear, &QAction::triggered, this, [this] { m_workspace->clearMatrix(); });
    m_viewMenu->addActions({next, previous, clear});
    m_viewMenu->addSeparator();

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *what = make(
        QStringLiteral("whatIsThis"), tr("&What am I looking at?"), {QKeySequence::HelpContents});
    connect(what, &QAction::triggered, this,
        [this] { showInfo(tr("What am I looking at?"), helpText()); });
    QAction *about = make(QStringLiteral("about"), tr("&About FarmChat"), {});
    connect(about, &QAction::triggered, this, [this] {
        showInfo(tr("About FarmChat"),
            tr("FarmChat %1\n\nLaunches a local web farm — N SignalR chat nodes and a private "
               "redis-server — "
               "opens a chat pane on every node, and shows how messages cross nodes with the Redis "
               "backplane "
               "off, pub/sub or streams: what is delivered, lost, duplicated or reordered.")
                .arg(QStringLiteral(FARMCHAT_VERSION)));
    });
    help->addActions({what, about});
}

void MainWindow::createFileMenu(
    const std::function<QAction *(const QString &, const QString &, const QList<QKeySequence> &)>
        &make)
{
    QMenu *file = menuBar()->addMenu(tr("F&ile"));
    QAction *exportAction = make(QStringLiteral("exportSession"), tr("&Export session…"),
        {QKeySequence(Qt::CTRL | Qt::Key_E)});
    exportAction->setToolTip(tr("Save the delivery matrix, the totals and what happened to the "
                                "farm as an HTML report, with JSON and CSV beside it"));
    connect(exportAction, &QAction::triggered, this, [this] {
        askSavePath(tr("Export session"), tr("HTML report (*.html)"), QStringLiteral("html"),
            [this](const QString &path) { exportSession(path); });
    });
    file->addAction(exportAction);
    file->addAction(createSaveScenarioAction());
}

Result<QStringList> MainWindow::exportSession(const QString &path)
{
    DeliveryReport report = m_workspace->session().report(m_workspace->tracker());
    if (const DeliveryReport *played = m_scenarioPlay ? m_scenarioPlay->report() : nullptr;
        played && m_workspace->hasPanePlan()) {
        // This farm is the scenario's: its checks and verdict are the session's.
        report.title = played->title;
        report.description = played->description;
        report.source = played->source;
        report.expectations = played->expectations;
        report.passed = played->passed;
        report.error = played->error;
    }
    const auto written = report.write(path);
    if (written)
        statusBar()->showMessage(tr("Session exported: %1").arg(written->join(u", ")), 10000);
    else
        showError(tr("Export session"), written.error());
    return written;
}

QDockWidget *MainWindow::addDock(
    const QString &objectName, const QString &title, QWidget *content, Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(content);
    addDockWidget(area, dock);
    // In a menu '&' marks a mnemonic; "Faults & controls" must show its '&'.
    QAction *toggle = dock->toggleViewAction();
    toggle->setText(QString(title).replace(u'&', QStringLiteral("&&")));
    m_viewMenu->addAction(toggle);
    return dock;
}

void MainWindow::createDocks()
{
    m_matrix = new DeliveryMatrixView(*m_workspace);
    m_topology = new TopologyView(*m_workspace);
    m_logsView = new LogsView(*m_logs);
    m_controls = new ControlsPanel(*m_workspace, action(QStringLiteral("guidedDemo")));
    // Panes in the middle; what they show about each message on the right;
    // what runs (logs) and what breaks it (faults) along the bottom.
    QDockWidget *matrix = addDock(
        QStringLiteral("matrixDock"), tr("Delivery matrix"), m_matrix, Qt::RightDockWidgetArea);
    QDockWidget *topology = addDock(
        QStringLiteral("topologyDock"), tr("Topology"), m_topology, Qt::RightDockWidgetArea);
    QDockWidget *logs
        = addDock(QStringLiteral("logsDock"), tr("Logs"), m_logsView, Qt::BottomDockWidgetArea);
    // The panel is laid out to fit (nodes four to a column); on a screen
    // smaller than 1280×720 it scrolls rather than squeeze the panes.
    auto *controlsScroll = new QScrollArea;
    controlsScroll->setWidget(m_controls);
    controlsScroll->setWidgetResizable(true);
    controlsScroll->setFrameShape(QFrame::NoFrame);
    QDockWidget *controls = addDock(QStringLiteral("controlsDock"), tr("Faults & controls"),
        controlsScroll, Qt::BottomDockWidgetArea);
    splitDockWidget(matrix, topology, Qt::Vertical);
    splitDockWidget(logs, controls, Qt::Horizontal);
    createDemoDock(logs); // tabbed with the logs before the sizes are set
    const int em = fontMetrics().height();
    resizeDocks({matrix}, {em * 36}, Qt::Horizontal);
    // The matrix's rows are read more than the topology's picture.
    resizeDocks({matrix, topology}, {em * 24, em * 14}, Qt::Vertical);
    resizeDocks({logs, controls}, {em * 50, em * 40}, Qt::Horizontal);
    resizeDocks({logs}, {em * 19}, Qt::Vertical);
}

void MainWindow::fitControlsDock()
{
    // The node rows exist now: give the Faults dock the height they need, so
    // no control hides below its bottom (the panes give up that height).
    auto *dock = findChild<QDockWidget *>(QStringLiteral("controlsDock"));
    if (!dock || dock->isFloating() || !dock->isVisible() || !m_controls->parentWidget())
        return;
    const int missing = m_controls->sizeHint().height() - m_controls->parentWidget()->height();
    if (missing > 0)
        resizeDocks({dock}, {dock->height() + missing}, Qt::Vertical);
    // And the width, which a restored layout with the Logs / Guided demo
    // tabs beside it can have given away.
    const int narrow = m_controls->sizeHint().width() - m_controls->parentWidget()->width();
    if (narrow > 0)
        resizeDocks({dock}, {dock->width() + narrow}, Qt::Horizontal);
}

void MainWindow::wireFarm()
{
    FarmWorkspace *workspace = m_workspace.get();
    FarmSupervisor &farm = workspace->supervisor();
    // The views ask; the workspace decides and announces, and the views follow.
    connect(m_bar, &FarmBar::launchRequested, this, &MainWindow::launch);
    connect(m_bar, &FarmBar::stopRequested, this, &MainWindow::stopFarm);
    connect(m_bar, &FarmBar::nodesRequested, workspace, &FarmWorkspace::setNodes);
    connect(m_bar, &FarmBar::basePortRequested, workspace, &FarmWorkspace::setBasePort);
    connect(m_bar, &FarmBar::modeRequested, workspace, &FarmWorkspace::setMode);
    connect(m_bar, &FarmBar::loadBalancerRequested, workspace, &FarmWorkspace::setLoadBalancer);
    connect(
        m_bar, &FarmBar::skipNegotiationRequested, workspace, &FarmWorkspace::setSkipNegotiation);
    connect(m_bar, &FarmBar::redisTopologyRequested, workspace, &FarmWorkspace::setRedisTopology);
    connect(m_bar, &FarmBar::nodeKindRequested, workspace, &FarmWorkspace::setNodeKind);
    connect(m_controls, &ControlsPanel::modeRequested, workspace, &FarmWorkspace::setMode);
    connect(m_controls, &ControlsPanel::layoutChanged, this, &MainWindow::fitControlsDock,
        Qt::QueuedConnection);
    connect(workspace, &FarmWorkspace::nodesChanged, this, &MainWindow::showIdleText);
    connect(&farm, &FarmSupervisor::stateChanged, this, [this](FarmState state) {
        action(QStringLiteral("launch"))->setEnabled(state == FarmState::Stopped);
        action(QStringLiteral("stop"))
            ->setEnabled(state == FarmState::Starting || state == FarmState::Running);
        if (state != FarmState::Running)
            m_demo->cancel();
    });
    connect(&farm, &FarmSupervisor::logLine, m_logs.get(), &LogBuffer::append);
    connect(&farm, &FarmSupervisor::error, this, [this](const QString &text) {
        m_logs->append(QStringLiteral("farmchat"), text);
        if (m_workspace->supervisor().state() == FarmState::Starting)
            showError(tr("The farm did not start"), text);
        else
            statusBar()->showMessage(text, 10000);
    });
    connect(&farm, &FarmSupervisor::started, this, [this] {
        fitControlsDock();
        statusBar()->showMessage(tr("Farm up in %1 ms. Type in a pane and press Enter.")
                                     .arg(m_workspace->supervisor().startupMs()),
            8000);
    });
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            if (!switched)
                statusBar()->showMessage(
                    tr("Switching to %1 failed: %2").arg(modeTitle(mode), switched.error()), 10000);
            else if (node < 0)
                statusBar()->showMessage(nodeKindSwitchesByRestart(m_workspace->nodeKind())
                        ? tr("Backplane is now %1 on every node: the nodes restarted with it "
                             "and the panes reconnected.")
                              .arg(modeTitle(mode))
                        : tr("Backplane is now %1 on every node; the panes stayed connected.")
                              .arg(modeTitle(mode)),
                    6000);
        });
    connect(&farm, &FarmSupervisor::lbRequestFinished, this,
        [this](int node, LbServerAdmin state, const Result<void> &done) {
            FarmNode *farmNode = m_workspace->supervisor().node(node);
            const QString name = farmNode ? farmNode->name() : tr("node %1").arg(node + 1);
            statusBar()->showMessage(done
                    ? tr("%1 is %2 behind the load balancer.").arg(name, lbServerAdminName(state))
                    : tr("%1 %2 failed: %3").arg(lbServerAdminName(state), name, done.error()),
                done ? 6000 : 10000);
        });
    connect(&farm, &FarmSupervisor::stopped, this, [this] {
        showIdleText(m_workspace->nodes());
        if (m_closing) {
            Q_EMIT closedAndStopped();
            close();
        }
    });
    wireDemo();
}

void MainWindow::showIdleText(int nodes)
{
    // A farm that ran and stopped keeps its nodes (their logs and pids) until the next launch.
    const FarmSupervisor &farm = m_workspace->supervisor();
    if (farm.state() == FarmState::Stopped && farm.nodeCount() > 0) {
        m_grid->setIdleText(
            tr("The farm stopped: its nodes and Redis are gone, and the panes with them.\n\n"
               "Press Launch (Ctrl+L) to start a new farm of %1 chat nodes and a private Redis "
               "with the farm bar's settings. The Logs dock keeps what the last one said.")
                .arg(nodes));
        return;
    }
    m_grid->setIdleText(
        tr("No farm yet.\n\nPress Launch (Ctrl+L) to start %1 chat nodes and a private Redis on "
           "this computer. A chat pane opens on every node: type in one and watch whether "
           "the others see it.\n\nHelp → What am I looking at? explains the idea.")
            .arg(nodes));
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    QTimer::singleShot(0, this, &MainWindow::fitControlsDock);
    if (!m_scenarioAtStart.isEmpty()) {
        QTimer::singleShot(
            0, this, [this, name = std::exchange(m_scenarioAtStart, {})] { runScenario(name); });
        m_autostarted = true; // the scenario launches its own farm
    }
    if (m_autostart && !m_autostarted) {
        m_autostarted = true;
        QTimer::singleShot(0, this, &MainWindow::launch);
    }
}

void MainWindow::launch()
{
    if (m_workspace->supervisor().state() != FarmState::Stopped)
        return;
    if (const QString problem = m_bar->launchProblem(); !problem.isEmpty())
        return showError(tr("The farm cannot start"),
            problem + tr(". Change it in the farm bar, then launch again."));
    const FarmConfig config = m_workspace->farmConfig();
    if (const Result<void> valid = config.validate(); !valid)
        return showError(tr("The farm cannot start"), valid.error());
    m_logs->clear();
    m_workspace->launch(config);
}

void MainWindow::stopFarm()
{
    m_demo->cancel();
    m_workspace->stop();
}

QString MainWindow::farmStatusText() const
{
    return m_status->farmText();
}

QString MainWindow::statusMessage() const
{
    return m_status->currentMessage();
}

QString MainWindow::redisStatusText() const
{
    return m_status->redisText();
}

QString MainWindow::rateText() const
{
    return m_status->rateText();
}

void MainWindow::showError(const QString &title, const QString &text)
{
    // open(), not exec(): a window-modal box without a nested event loop.
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setTextFormat(Qt::PlainText);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showInfo(const QString &title, const QString &text)
{
    auto *box = new QMessageBox(QMessageBox::Information, title, text, QMessageBox::Ok, this);
    box->setTextFormat(Qt::PlainText);
    box->setIconPixmap(windowIcon().pixmap(fontMetrics().height() * 4));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::saveSettings()
{
    m_workspace->storeSettings(m_remembered);
    m_remembered.geometry = saveGeometry();
    m_remembered.windowState = saveState();
    m_remembered.save(*m_settings);
    m_settings->sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_closing)
        saveSettings();
    if (m_workspace->supervisor().state() == FarmState::Stopped) {
        event->accept();
        return;
    }
    // Stop the farm first and close when it has stopped (FarmSupervisor::stopped).
    m_closing = true;
    statusBar()->showMessage(tr("Stopping the farm before closing…"));
    stopFarm();
    event->ignore();
}

} // namespace farmchat
