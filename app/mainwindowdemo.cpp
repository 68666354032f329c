// MainWindow's guided demo: the hooks that let GuidedDemo act on the farm,
// its dock, and Ctrl+D launching a farm when none runs.
#include "app/mainwindow.h"

#include "app/demopanel.h"
#include "app/farmworkspace.h"
#include "app/logbuffer.h"
#include "app/messagelistmodel.h"
#include "app/panesession.h"
#include "client/deliveryverdict.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/redisinstance.h"

#include <QAction>
#include <QDockWidget>
#include <QStatusBar>
#include <QTimer>

namespace farmchat {

namespace {

bool panesConnected(FarmWorkspace &workspace)
{
    if (workspace.paneCount() == 0)
        return false;
    for (int i = 0; i < workspace.paneCount(); ++i) {
        if (workspace.pane(i)->state() != HubConnection::State::Connected)
            return false;
    }
    return true;
}

// Every node's /health says its Redis link is `linked`.
bool nodesLinked(FarmSupervisor &farm, bool linked)
{
    for (int i = 0; i < farm.nodeCount(); ++i) {
        const FarmNode *node = farm.node(i);
        if (node && node->health().redisConnected != linked)
            return false;
    }
    return farm.nodeCount() > 0;
}

} // namespace

GuidedDemo::Hooks MainWindow::demoHooks()
{
    GuidedDemo::Hooks hooks;
    hooks.send = [this](int pane, const QString &text) { m_workspace->sendFrom(pane, text); };
    hooks.switchMode = [this](BackplaneMode mode, std::function<void(const Result<void> &)> done) {
        if (m_workspace->supervisor().state() != FarmState::Running)
            return done(Result<void>::failure(tr("the farm is not running")));
        connect(
            &m_workspace->supervisor(), &FarmSupervisor::backplaneRequestFinished, m_demo.get(),
            [done](BackplaneMode, int, const Result<void> &switched) { done(switched); },
            Qt::SingleShotConnection);
        m_workspace->setMode(mode);
    };
    hooks.setBalancer
        = [this](int node, LbServerAdmin state, std::function<void(const Result<void> &)> done) {
              if (m_workspace->supervisor().state() != FarmState::Running)
                  return done(Result<void>::failure(tr("the farm is not running")));
              connect(
                  &m_workspace->supervisor(), &FarmSupervisor::lbRequestFinished, m_demo.get(),
                  [done](int, LbServerAdmin, const Result<void> &result) { done(result); },
                  Qt::SingleShotConnection);
              m_workspace->supervisor().setNodeLbAdmin(node, state);
          };
    hooks.clearMatrix = [this] {
        m_workspace->clearMatrix();
        for (int i = 0; i < m_workspace->paneCount(); ++i)
            m_workspace->pane(i)->messages().clear();
    };
    hooks.redis = [this](bool up) {
        if (up)
            m_workspace->supervisor().restartRedis();
        else
            m_workspace->supervisor().killRedis();
    };
    hooks.reached = [this](DemoAction::Until until) {
        FarmSupervisor &farm = m_workspace->supervisor();
        switch (until) {
        case DemoAction::Until::PanesConnected:
            return panesConnected(*m_workspace);
        case DemoAction::Until::RedisDown:
            return nodesLinked(farm, false);
        case DemoAction::Until::RedisBack:
            return nodesLinked(farm, true) && panesConnected(*m_workspace);
        case DemoAction::Until::Settled:
            return m_workspace->tracker().isSettled();
        }
        return false;
    };
    hooks.verdict = [this]() -> QString {
        const DeliveryTracker &tracker = m_workspace->tracker();
        return judgeDeliveries(tracker, BackplaneMode::PubSub).text() + QLatin1Char('\n')
            + judgeDeliveries(tracker, BackplaneMode::Streams).text();
    };
    return hooks;
}

void MainWindow::createDemoDock(QDockWidget *tabbedWith)
{
    m_demoPanel = new DemoPanel(*m_demo, action(QStringLiteral("guidedDemo")));
    QDockWidget *dock = addDock(
        QStringLiteral("demoDock"), tr("Guided demo"), m_demoPanel, Qt::BottomDockWidgetArea);
    // It shares the Logs' place: the narration is read where the logs were.
    tabifyDockWidget(tabbedWith, dock);
    tabbedWith->raise();
}

void MainWindow::fitDemoDock()
{
    // Tall enough for the whole step (the panes give up that height), but
    // never more than 40 % of the window: past that the words scroll.
    auto *dock = findChild<QDockWidget *>(QStringLiteral("demoDock"));
    if (!dock || dock->isFloating() || !dock->isVisible())
        return;
    const int missing = m_demoPanel->neededHeight() - m_demoPanel->height();
    if (missing <= 0)
        return;
    // A dock in a tab group does not take a height of its own (resizeDocks
    // leaves it as it was): the dock it shares the bottom row with does, and
    // the whole row follows.
    QDockWidget *sized = dock;
    auto *controls = findChild<QDockWidget *>(QStringLiteral("controlsDock"));
    if (controls && !controls->isFloating() && controls->isVisible()
        && dockWidgetArea(controls) == dockWidgetArea(dock) && !tabifiedDockWidgets(dock).isEmpty())
        sized = controls;
    resizeDocks({sized}, {qMin(sized->height() + missing, height() * 2 / 5)}, Qt::Vertical);
}

void MainWindow::wireDemo()
{
    FarmSupervisor &farm = m_workspace->supervisor();
    connect(&farm, &FarmSupervisor::started, this, [this] {
        if (std::exchange(m_demoAfterLaunch, false))
            startGuidedDemo();
    });
    connect(&farm, &FarmSupervisor::stopped, this, [this] { m_demoAfterLaunch = false; });
    connect(m_demo.get(), &GuidedDemo::stepStarted, this,
        [this](int step, int total, const QString &title) {
            m_logs->append(QStringLiteral("demo"),
                QStringLiteral("step %1/%2: %3").arg(step + 1).arg(total).arg(title));
            QTimer::singleShot(0, this, &MainWindow::fitDemoDock);
        });
    connect(m_demo.get(), &GuidedDemo::verdictReady, this,
        [this] { QTimer::singleShot(0, this, &MainWindow::fitDemoDock); });
    connect(m_demo.get(), &GuidedDemo::verdictReady, this,
        [this](const QString &text) { m_logs->append(QStringLiteral("demo"), text); });
    connect(m_demo.get(), &GuidedDemo::finished, this, [this](const Result<void> &outcome) {
        if (!outcome && !m_closing)
            statusBar()->showMessage(outcome.error(), 10000);
    });
}

void MainWindow::startGuidedDemo()
{
    if (auto *dock = findChild<QDockWidget *>(QStringLiteral("demoDock"))) {
        dock->show();
        dock->raise();
    }
    const FarmState state = m_workspace->supervisor().state();
    if (state == FarmState::Stopped) {
        m_demoAfterLaunch = true;
        launch(); // with the farm bar's settings; the demo starts once the farm runs
        if (m_workspace->supervisor().state() == FarmState::Stopped)
            m_demoAfterLaunch = false; // the settings were refused (the box says why)
        return;
    }
    if (state != FarmState::Running) {
        m_demoAfterLaunch = true;
        return;
    }
    // The balancer's chapter only when the running farm has one; the Redis
    // lesson only when it runs its own redis-server (it kills and restarts it).
    FarmSupervisor &farm = m_workspace->supervisor();
    m_demo->start(GuidedDemo::script(m_workspace->paneCount(), m_demo->pace(),
        farm.loadBalancer() ? farm.config().loadBalancer : LbPolicy::None, farm.redis() != nullptr,
        farm.config().nodeKind));
}

} // namespace farmchat
