#pragma once

#include "app/ratemeter.h"
#include "client/deliverytracker.h"
#include "launcher/farmconfig.h"
#include "launcher/farmsupervisor.h"
#include "protocol/chatmessage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <memory>
#include <vector>

namespace farmchat {

class PaneSession;

// Everything the desktop app runs, without a widget: the farm (FarmSupervisor),
// one PaneSession per node while the farm runs, the DeliveryTracker they all
// feed, and the arrival rate. MainWindow and its views only display it and
// call its operations; the GUI tests drive it the same way.
class FarmWorkspace : public QObject
{
    Q_OBJECT
public:
    explicit FarmWorkspace(QObject *parent = nullptr);
    ~FarmWorkspace() override;

    FarmSupervisor &supervisor() { return *m_supervisor; }
    DeliveryTracker &tracker() { return *m_tracker; }

    int paneCount() const { return int(m_panes.size()); }
    PaneSession *pane(int index) const;
    // Node index of a node id ("node-9090"); -1 when not in this farm.
    int nodeIndexOf(const QString &nodeId) const { return m_nodeIndex.value(nodeId, -1); }

    // Starts a farm; panes appear when it is up (panesCreated()).
    void launch(const FarmConfig &config);
    // Stops panes, then the farm; panesCleared() and the supervisor's stopped() follow.
    void stop();
    // Name pane `index` uses (now, and the next time it is created).
    void setPaneName(int index, const QString &name);
    QString paneName(int index) const;

    // Sends `text` from pane `index` to the lobby.
    void sendFrom(int index, const QString &text);
    // The whole farm's mode, live: panes stay connected.
    void setBackplane(BackplaneMode mode);
    // Cuts node `index` off the backplane (its mode goes off) or puts it back on the farm's mode.
    void setCutOff(int index, bool cut);
    bool isCutOff(int index) const;
    // Empties the delivery matrix; the panes stay its columns.
    void clearMatrix();

    // Arrivals per second over all panes, the last second.
    double messagesPerSecond() const;
    quint64 messagesTotal() const { return m_rate.total(); }

Q_SIGNALS:
    // Pane `pane` sent message `id`; `label` is "name: text" for the matrix.
    void messageSent(int pane, const QString &id, const QString &label);
    void panesCreated();
    void panesAboutToClear();
    void panesCleared();
    // Pane `atNode` got a message sent on `originNode` (-1: a node not in
    // this farm), arriving `via`; the topology animates these.
    void messageSeen(
        int originNode, int atNode, farmchat::Via via, bool fromHistory, const QString &id);

private:
    void createPanes();
    void clearPanes();

    std::unique_ptr<FarmSupervisor> m_supervisor;
    std::unique_ptr<DeliveryTracker> m_tracker;
    std::vector<std::unique_ptr<PaneSession>> m_panes;
    QHash<QString, int> m_nodeIndex;
    QStringList m_paneNames;
    RateMeter m_rate;
    QElapsedTimer m_clock;
};

} // namespace farmchat
