#include "launcher/scenarioclients.h"

#include "client/trackedclient.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/haproxyinstance.h"

namespace farmchat {

namespace {

ChatClientOptions scenarioClientOptions(bool viaBalancer)
{
    ChatClientOptions options;
    options.identifyNode = viaBalancer; // where the balancer sent it
    options.hub.reconnect.maxDelayMs = 2000;
    options.hub.reconnect.firstDelayMs = 250;
    return options;
}

} // namespace

OwnScenarioClients::OwnScenarioClients(FarmSupervisor &farm, const Scenario &scenario)
{
    for (const ScenarioClient &spec : scenario.clients) {
        QString nodeId;
        QUrl url;
        if (spec.viaBalancer) {
            url = farm.loadBalancer()->url();
        } else {
            nodeId = farm.node(spec.node)->name();
            url = farm.node(spec.node)->url();
        }
        auto client = std::make_unique<TrackedClient>(
            spec.name, nodeId, url, m_tracker, scenarioClientOptions(spec.viaBalancer));
        client->client().setName(spec.name);
        m_clients.push_back(std::move(client));
    }
}

OwnScenarioClients::~OwnScenarioClients() = default;

void OwnScenarioClients::send(
    int index, const QString &text, BackplaneMode mode, const QString &room)
{
    m_clients[size_t(index)]->send(text, mode, room);
}

void OwnScenarioClients::start()
{
    for (const auto &client : m_clients)
        client->start();
}

void OwnScenarioClients::stop()
{
    for (const auto &client : m_clients)
        client->stop();
}

} // namespace farmchat
