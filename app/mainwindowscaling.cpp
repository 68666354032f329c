// MainWindow's scaling of a running farm: Farm ▸ Add node, and Farm ▸ Remove
// node ▸ one entry per node; what happened shows in the status bar.
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"

#include <QAction>
#include <QMenu>
#include <QStatusBar>

namespace farmchat {

void MainWindow::createScalingActions(QMenu *farmMenu)
{
    FarmWorkspace *workspace = m_workspace.get();
    FarmSupervisor &farm = workspace->supervisor();
    auto *add = new QAction(tr("&Add node"), this);
    add->setObjectName(QStringLiteral("addNode"));
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    add->setShortcutContext(Qt::ApplicationShortcut);
    add->setToolTip(tr("Start one more node on the next free port, in the farm's mode, with a "
                       "pane; behind the load balancer once healthy"));
    addAction(add);
    connect(add, &QAction::triggered, workspace, &FarmWorkspace::addNode);
    farmMenu->addAction(add);

    QMenu *remove = farmMenu->addMenu(tr("&Remove node"));
    remove->setObjectName(QStringLiteral("removeNodeMenu"));
    remove->setToolTipsVisible(true);
    const auto refresh = [this, add, remove] {
        const FarmSupervisor &supervisor = m_workspace->supervisor();
        const bool running = supervisor.state() == FarmState::Running;
        add->setEnabled(m_workspace->canAddNode());
        remove->clear();
        remove->setEnabled(running && supervisor.nodeCount() > 1);
        for (int i = 0; running && i < supervisor.nodeCount(); ++i) {
            const QString name = supervisor.node(i)->name();
            QAction *leave = remove->addAction(name);
            leave->setObjectName(QStringLiteral("removeNode-") + name);
            leave->setToolTip(supervisor.loadBalancer()
                    ? tr("%1 leaves the farm: the balancer moves its clients to the other nodes")
                          .arg(name)
                    : tr("%1 leaves the farm: its panes move to the other nodes and catch up")
                          .arg(name));
            connect(leave, &QAction::triggered, m_workspace.get(), [this, name] {
                // By name: the numbering may have moved since the menu was built.
                FarmSupervisor &now = m_workspace->supervisor();
                for (int n = 0; n < now.nodeCount(); ++n) {
                    if (now.node(n)->name() == name)
                        return m_workspace->removeNode(n);
                }
            });
        }
    };
    connect(&farm, &FarmSupervisor::stateChanged, this, refresh);
    connect(&farm, &FarmSupervisor::processAdded, this, refresh);
    connect(&farm, &FarmSupervisor::processRemoved, this, refresh);
    connect(&farm, &FarmSupervisor::processesCleared, this, refresh);
    connect(workspace, &FarmWorkspace::paneAdded, this, refresh);
    connect(workspace, &FarmWorkspace::notice, this,
        [this](const QString &text) { statusBar()->showMessage(text, 10000); });
    refresh();
}

} // namespace farmchat
