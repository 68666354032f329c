#pragma once

#include <QList>
#include <QSet>
#include <QString>

#include <memory>

class QSettings;
class QTemporaryDir;

namespace farmchat {
class FarmSupervisor;
class FarmWorkspace;
} // namespace farmchat

namespace farmchat::test {

// What the app's GUI tests share: prerequisites checked loudly, a run of
// consecutive free ports for a farm, a throw-away settings file, and the
// pids of a farm's processes so a test can prove none is left behind.

// Empty when farmchat-node ($FARMCHAT_NODE_BIN) and redis-server are there, else what is missing.
QString farmPrerequisites();
// A base port such that base..base+count-1 are free on 127.0.0.1 now; 0 if none found.
quint16 freePortRun(int count);
// Settings in `dir`, never the user's.
std::unique_ptr<QSettings> scratchSettings(const QTemporaryDir &dir);
// Pids of every process of the farm that ever ran (Redis and nodes).
QList<qint64> farmPids(const FarmSupervisor &farm);
// Whether `pid` still exists (and is not a zombie).
bool processAlive(qint64 pid);
// Launches a farm of `nodes` nodes on a run of free ports with the
// workspace's other choices, and waits (20 s at most) until every pane is
// connected: false when it did not get there.
bool launchOnFreePorts(FarmWorkspace &workspace, int nodes);
// Every pane of `workspace` is connected to its node.
bool allPanesConnected(FarmWorkspace &workspace, int panes);
// Pane `from` sends `text` to `room`; the panes it reached within `ms`:
// until `panes` panes have it, or with `settleMs` > 0, until the sender's own
// pane has it and `settleMs` more (for a message that should not cross, time
// to do so).
QSet<int> panesReached(FarmWorkspace &workspace, int from, const QString &text, int panes, int ms,
    int settleMs = 0, const QString &room = QStringLiteral("lobby"));
// Whether pane `pane` shows a message with `text`.
bool paneHasText(FarmWorkspace &workspace, int pane, const QString &text);
// Stops the farm; empty when it stopped and every process it ever ran is
// gone within 15 s, else what is left.
QString stopFarmLeavingNothing(FarmWorkspace &workspace);

} // namespace farmchat::test
