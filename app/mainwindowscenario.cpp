#include "app/farmstatusbar_p.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/scenarioplay.h"
#include "app/scenariostatus.h"
#include "launcher/scenariolibrary.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QMenu>

namespace farmchat {

// Farm ▸ Run scenario: the bundled scenarios by title, and a file of one's own.
void MainWindow::createScenarioMenu(QMenu *farm)
{
    QMenu *menu = farm->addMenu(tr("Run &scenario"));
    menu->setObjectName(QStringLiteral("scenarioMenu"));
    menu->setToolTipsVisible(true);
    for (const ScenarioLibrary::Entry &entry : ScenarioLibrary::bundled()) {
        QAction *run = menu->addAction(entry.title);
        run->setObjectName(QStringLiteral("scenario:") + entry.name);
        run->setToolTip(entry.description);
        connect(run, &QAction::triggered, this, [this, name = entry.name] { runScenario(name); });
    }
    menu->addSeparator();
    QAction *open = menu->addAction(tr("&Open scenario file…"));
    open->setObjectName(QStringLiteral("openScenario"));
    connect(open, &QAction::triggered, this, [this] {
        // Not modal: a running farm goes on while the user picks a file.
        auto *dialog = new QFileDialog(
            this, tr("Run scenario"), QDir::homePath(), tr("FarmChat scenario (*.json)"));
        dialog->setFileMode(QFileDialog::ExistingFile);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QFileDialog::fileSelected, this,
            [this](const QString &path) { runScenario(path); });
        dialog->open();
    });
}

Result<void> MainWindow::runScenario(const QString &fileOrName)
{
    Result<Scenario> scenario = ScenarioLibrary::load(fileOrName);
    if (!scenario) {
        showError(tr("Run scenario"), scenario.error());
        return Result<void>::failure(scenario.error());
    }
    if (m_scenarioPlay && !m_scenarioPlay->isFinished())
        m_scenarioPlay->stop();
    m_scenarioPlay = std::make_unique<ScenarioPlay>(*m_workspace, std::move(*scenario));
    ScenarioPlay *play = m_scenarioPlay.get();
    // Each step stays on the status bar until the next one.
    connect(play, &ScenarioPlay::narrated, this, [this](const QString &kind, const QString &text) {
        statusBar()->showMessage((kind == u"error" ? QStringLiteral("✕ ") : QString()) + text);
    });
    connect(play, &ScenarioPlay::finished, this, [this](bool, const QString &summary) {
        statusBar()->showMessage(summary, FarmStatusBar::kFailureMessageMs * 3);
    });
    m_scenarioStatus->follow(play);
    play->start();
    return {};
}

} // namespace farmchat
