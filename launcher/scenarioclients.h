#pragma once

#include "client/deliverytracker.h"
#include "launcher/scenario.h"
#include "protocol/backplanemode.h"

#include <QString>

#include <memory>
#include <vector>

namespace farmchat {

class FarmSupervisor;
class TrackedClient;

// The chat clients a scenario run drives, one per ScenarioClient in the
// scenario's order, and the tracker they record into. farmchat-launcher
// makes its own (OwnScenarioClients); the app plays a scenario on its panes,
// so the run shows in them and in the window's matrix.
class ScenarioClients
{
public:
    virtual ~ScenarioClients() = default;

    virtual DeliveryTracker &tracker() = 0;
    virtual int count() const = 0;
    virtual TrackedClient &client(int index) = 0;
    // Sends as client `index` (a pane also shows the text at once).
    virtual void send(int index, const QString &text, BackplaneMode mode, const QString &room) = 0;
    // Connects every client that is not yet; stop() disconnects them all.
    virtual void start() = 0;
    virtual void stop() = 0;
};

// The headless run's clients: one TrackedClient per scenario client, on its
// node's URL or the balancer's, recorded under the client's name.
class OwnScenarioClients : public ScenarioClients
{
public:
    OwnScenarioClients(FarmSupervisor &farm, const Scenario &scenario);
    ~OwnScenarioClients() override;

    DeliveryTracker &tracker() override { return m_tracker; }
    int count() const override { return int(m_clients.size()); }
    TrackedClient &client(int index) override { return *m_clients[size_t(index)]; }
    void send(int index, const QString &text, BackplaneMode mode, const QString &room) override;
    void start() override;
    void stop() override;

private:
    DeliveryTracker m_tracker;
    std::vector<std::unique_ptr<TrackedClient>> m_clients;
};

} // namespace farmchat
