// farmchat-launcher: starts and supervises a local FarmChat farm (see --help).
#include "launcher/launchercli_p.h"
#include "launcher/launchercommandline.h"
#include "launcher/launcheroptions.h"
#include "protocol/version.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTimer>

int main(int argc, char **argv)
{
    using farmchat::LauncherOptions;
    QCoreApplication app(argc, argv);
    // The CLI speaks for itself; library chatter is for QT_LOGGING_RULES (which wins over this).
    QLoggingCategory::setFilterRules(
        QStringLiteral("farmchat.*.debug=false\nfarmchat.*.info=false"));
    QCoreApplication::setApplicationName(LauncherOptions::kProgram);
    QCoreApplication::setApplicationVersion(QStringLiteral(FARMCHAT_VERSION));

    const auto parsed = farmchat::parseLauncherCommandLine(app.arguments().mid(1));
    if (const auto status = farmchat::CommandLine::finish(LauncherOptions::kProgram, parsed))
        return *status;

    farmchat::LauncherCli cli(*parsed->options);
    QObject::connect(&cli, &farmchat::LauncherCli::finished, &app, &QCoreApplication::exit);
    QTimer::singleShot(0, &cli, &farmchat::LauncherCli::start);
    return app.exec();
}
