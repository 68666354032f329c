#include "app/appsettings.h"
#include "app/farmstatusbar_p.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/scenarioplay.h"
#include "app/scenariostatus.h"
#include "app/sessionrecorder.h"
#include "launcher/scenariolibrary.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSaveFile>

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

QAction *MainWindow::createSaveScenarioAction()
{
    auto *save = new QAction(tr("Save session as &scenario…"), this);
    save->setObjectName(QStringLiteral("saveScenario"));
    save->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    save->setShortcutContext(Qt::ApplicationShortcut);
    addAction(save);
    save->setToolTip(tr("Save what you did since the farm started (messages, mode switches, "
                        "kills and restarts) as a scenario to replay"));
    connect(save, &QAction::triggered, this, [this] {
        askSavePath(tr("Save session as scenario"), tr("FarmChat scenario (*.json)"),
            QStringLiteral("json"), [this](const QString &path) { saveSessionAsScenario(path); });
    });
    return save;
}

void MainWindow::askSavePath(const QString &title, const QString &filter, const QString &suffix,
    const std::function<void(const QString &)> &chosen)
{
    // Not modal: the farm and the panes run on while the user picks a file.
    auto *dialog = new QFileDialog(this, title, QDir::homePath(), filter);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(suffix);
    dialog->selectFile(QStringLiteral("farmchat-session-%1.%2")
                           .arg(QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmmss"), suffix));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, chosen);
    dialog->open();
}

Result<QString> MainWindow::saveSessionAsScenario(const QString &path)
{
    const auto fail = [this](const QString &why) {
        showError(tr("Save session as scenario"), why);
        return Result<QString>::failure(why);
    };
    const Result<QByteArray> json = m_recorder->scenarioJson(QFileInfo(path).completeBaseName());
    if (!json)
        return fail(json.error());
    QSaveFile file(path);
    if (!QDir().mkpath(QFileInfo(path).absolutePath()) || !file.open(QIODevice::WriteOnly)
        || file.write(*json) != json->size() || !file.commit())
        return fail(tr("cannot write %1: %2").arg(path, file.errorString()));
    QString text = tr("Session saved as a scenario of %1 steps: %2")
                       .arg(m_recorder->recordedSteps())
                       .arg(path);
    if (!m_recorder->notRecorded().isEmpty())
        text += tr(" (not recorded: %1)").arg(m_recorder->notRecorded().join(u"; "));
    statusBar()->showMessage(text, FarmStatusBar::kFailureMessageMs);
    return path;
}

Result<void> MainWindow::runScenario(const QString &fileOrName)
{
    Result<Scenario> scenario = ScenarioLibrary::load(fileOrName);
    if (!scenario) {
        showError(tr("Run scenario"), scenario.error());
        return Result<void>::failure(scenario.error());
    }
    // The window's limits: what the farm bar and the pane grid can hold.
    const QString tooBig = scenario->farm.nodes > AppSettings::kMaxNodes
        ? tr("%1 has %2 nodes; the app runs at most %3 (farmchat-launcher --scenario runs it)")
              .arg(scenario->name)
              .arg(scenario->farm.nodes)
              .arg(AppSettings::kMaxNodes)
        : scenario->clients.size() > kMaxScenarioPanes
        ? tr("%1 has %2 clients; the app shows at most %3 panes (farmchat-launcher --scenario "
             "runs it)")
              .arg(scenario->name)
              .arg(scenario->clients.size())
              .arg(kMaxScenarioPanes)
        : QString();
    if (!tooBig.isEmpty()) {
        showError(tr("Run scenario"), tooBig);
        return Result<void>::failure(tooBig);
    }
    m_demo->cancel(); // it would talk to the scenario's farm
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
