#pragma once

#include "app/appoptions.h"
#include "app/appsettings.h"
#include "app/guideddemo.h"
#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QMainWindow>
#include <QSettings>

#include <functional>
#include <memory>

class QAction;
class QDockWidget;

namespace farmchat {

class ControlsPanel;
class DeliveryMatrixView;
class FarmBar;
class FarmStatusBar;
class FarmWorkspace;
class DemoPanel;
class LogBuffer;
class LogsView;
class PaneGrid;
class ScenarioPlay;
class ScenarioStatus;
class SessionRecorder;
class TopologyView;

// The FarmChat window. It composes the views — FarmBar on top, PaneGrid in
// the middle, docks for the delivery matrix, topology, logs and controls, a
// status bar — and wires them to FarmWorkspace, which owns everything that
// runs and every value the user chooses for the farm. It keeps no socket,
// process or protocol logic of its own.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // `settings` null: the user's default QSettings for FarmChat.
    explicit MainWindow(const AppOptions &options = {},
        std::unique_ptr<QSettings> settings = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    FarmWorkspace &workspace() { return *m_workspace; }
    FarmBar *farmBar() const { return m_bar; }
    PaneGrid *paneGrid() const { return m_grid; }
    DeliveryMatrixView *matrixView() const { return m_matrix; }
    TopologyView *topologyView() const { return m_topology; }
    LogsView *logsView() const { return m_logsView; }
    ControlsPanel *controls() const { return m_controls; }
    GuidedDemo &guidedDemo() { return *m_demo; }
    DemoPanel *demoPanel() const { return m_demoPanel; }
    QAction *action(const QString &name) const; // by objectName, e.g. "launch"
    BackplaneMode mode() const; // the workspace's chosen mode
    QString farmStatusText() const;
    QString redisStatusText() const;
    // The status bar's passing message (a failure, the demo), "" when none.
    QString statusMessage() const;
    // F1: the modes, the matrix symbols, the faults, the shortcuts, the docs.
    static QString helpText();
    // Grows the Faults dock to what its controls need (after a launch).
    void fitControlsDock();
    // Grows the Guided demo dock to show the whole step (up to 40 % of the window).
    void fitDemoDock();
    QString rateText() const;
    // On a small screen (less than kFullScreenBelowEm lines of text high:
    // 1366×768 at a 14 px line, up to 1600×900 at 16 px) the first window
    // takes all of it: main() shows it maximized.
    bool fillsScreen() const { return m_fillsScreen; }
    static constexpr int kFullScreenBelowEm = 56;
    // A scenario with more clients is refused: its panes would not be readable.
    static constexpr int kMaxScenarioPanes = 16;

public Q_SLOTS:
    void launch();
    void stopFarm();
    // Starts the guided demo; with no farm running it launches one first.
    void startGuidedDemo();
    // File → Export session: the session's report at `path` (HTML, with
    // .json and .csv beside it); the status bar says where, or why not.
    Result<QStringList> exportSession(const QString &path);
    // Farm ▸ Run scenario: a bundled scenario's name or a file. Its farm
    // replaces a running one; the panes are its clients; the status bar
    // narrates each step, shows the progress and a Stop button, then the verdict.
    Result<void> runScenario(const QString &fileOrName);
    // File → Save session as scenario: what was done since the farm started
    // (SessionRecorder), as a scenario file at `path` that the app and
    // farmchat-launcher --scenario replay. Returns the path written.
    Result<QString> saveSessionAsScenario(const QString &path);

public:
    // The scenario played last (it may have ended); null before any.
    ScenarioPlay *scenarioPlay() const { return m_scenarioPlay.get(); }
    ScenarioStatus *scenarioStatus() const { return m_scenarioStatus; }

Q_SIGNALS:
    // The window closed and the farm (if any) has stopped: nothing is left running.
    void closedAndStopped();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void createActions();
    void createFileMenu(const std::function<QAction *(
            const QString &, const QString &, const QList<QKeySequence> &)> &make);
    void createDocks();
    void wireFarm();
    // The guided demo's hooks, dock and wiring (mainwindowdemo.cpp).
    GuidedDemo::Hooks demoHooks();
    void createDemoDock(QDockWidget *tabbedWith);
    void wireDemo();
    // Farm ▸ Add node and Remove node, for a running farm (mainwindowscaling.cpp).
    void createScalingActions(QMenu *farm);
    // Farm ▸ Run scenario (mainwindowscenario.cpp).
    void createScenarioMenu(QMenu *farm);
    QAction *createSaveScenarioAction();
    // A non-modal save dialog in the home folder, a dated file name proposed.
    void askSavePath(const QString &title, const QString &filter, const QString &suffix,
        const std::function<void(const QString &)> &chosen);
    void showIdleText(int nodes);
    void showError(const QString &title, const QString &text);
    void showInfo(const QString &title, const QString &text);
    void saveSettings();
    QDockWidget *addDock(
        const QString &objectName, const QString &title, QWidget *content, Qt::DockWidgetArea area);

    std::unique_ptr<QSettings> m_settings;
    AppSettings m_remembered;
    std::unique_ptr<FarmWorkspace> m_workspace;
    std::unique_ptr<LogBuffer> m_logs;
    std::unique_ptr<GuidedDemo> m_demo;
    std::unique_ptr<ScenarioPlay> m_scenarioPlay;
    std::unique_ptr<SessionRecorder> m_recorder;
    FarmBar *m_bar = nullptr;
    PaneGrid *m_grid = nullptr;
    DeliveryMatrixView *m_matrix = nullptr;
    TopologyView *m_topology = nullptr;
    LogsView *m_logsView = nullptr;
    ControlsPanel *m_controls = nullptr;
    DemoPanel *m_demoPanel = nullptr;
    FarmStatusBar *m_status = nullptr;
    ScenarioStatus *m_scenarioStatus = nullptr;
    QMenu *m_viewMenu = nullptr;
    bool m_autostart = false;
    QString m_scenarioAtStart; // --scenario, played once the window shows
    bool m_autostarted = false;
    bool m_demoAfterLaunch = false; // Ctrl+D launched the farm: the demo starts once it runs
    bool m_closing = false; // close requested; waiting for the farm to stop
    bool m_fillsScreen = false;
};

} // namespace farmchat
