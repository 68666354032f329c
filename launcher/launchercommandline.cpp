#include "launcher/launchercommandline.h"

#include "launcher/scenariolibrary.h"

namespace farmchat {

Result<CommandLineRequest<LauncherOptions>> parseLauncherCommandLine(const QStringList &arguments)
{
    using Request = CommandLineRequest<LauncherOptions>;
    auto parsed = LauncherOptions::parse(arguments);
    if (!parsed || !parsed->options)
        return parsed;
    LauncherOptions &o = *parsed->options;
    if (o.listScenarios)
        return Request::print(ScenarioLibrary::listing());
    if (o.scenarioFile.isEmpty())
        return parsed;
    auto scenario = ScenarioLibrary::load(o.scenarioFile);
    if (!scenario)
        return Result<Request>::failure(scenario.error());
    FarmConfig farm = scenario->farm;
    farm.haproxy = o.farm.haproxy;
    farm.redisServer = o.farm.redisServer;
    farm.logDir = o.farm.logDir;
    o.farm = farm;
    o.scenario = std::make_shared<const Scenario>(std::move(scenario.value()));
    return parsed;
}

} // namespace farmchat
