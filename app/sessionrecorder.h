#pragma once

#include "core/result.h"
#include "launcher/processaction.h"
#include "protocol/backplanemode.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QStringList>

namespace farmchat {

class FarmWorkspace;

// Records what the user does with the farm, from its start, as a scenario
// (docs/SCENARIOS.md) that farmchat-launcher --scenario replays: the farm as
// launched, a client per pane (its name, its node or the balancer), and in
// order, with the time between them, each message a pane sent, each mode
// switch and each kill, stop, restart, pause or resume of a node, Redis or a
// cluster shard. The expectations hold what the window saw: the messages
// per mode and whether each mode kept its promise (none when the matrix
// was cleared or holds messages not recorded). What has no scenario
// step (link faults, the balancer's drain, adding or removing nodes, a
// Sentinel or replica process) is not replayed; notRecorded() and the
// file's description list it. File → Save session as scenario writes it.
class SessionRecorder : public QObject
{
    Q_OBJECT
public:
    explicit SessionRecorder(FarmWorkspace &workspace, QObject *parent = nullptr);
    // A longer pause between two steps replays as this long.
    static constexpr int kMaxIdleMs = 30000;

    // Steps recorded since the farm started (sends, switches, faults).
    int recordedSteps() const { return m_recorded; }
    QStringList notRecorded() const { return m_notRecorded; }
    // The scenario of this session, named `name`, as indented JSON; an error
    // when there is no session to save (no farm ran, or nothing was sent).
    Result<QByteArray> scenarioJson(const QString &name) const;

private:
    void onStarting();
    void onPanesCreated();
    void onSent(int pane, const QString &room);
    void onBackplane(BackplaneMode mode, int node, const Result<void> &switched);
    void onAction(int index, ProcessAction action);
    void addStep(const QJsonObject &step);
    void skip(const QString &what);
    QJsonObject farmObject() const;
    QJsonArray expectations() const;

    FarmWorkspace &m_workspace;
    QElapsedTimer m_clock;
    qint64 m_lastStepMs = 0;
    bool m_active = false; // a farm started and its panes exist
    int m_recorded = 0;
    int m_recordedSends = 0;
    qint64 m_waitedMs = 0; // the waits written, in total
    QStringList m_nodeNames; // at launch: a node's index in the file
    QJsonObject m_farm;
    QStringList m_clientNames; // per pane, unique
    QJsonArray m_clients;
    QJsonArray m_steps;
    QStringList m_rooms; // used by a recorded send, lobby first
    QStringList m_notRecorded;
};

} // namespace farmchat
