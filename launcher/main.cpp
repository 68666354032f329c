// farmchat-launcher: starts and supervises a local FarmChat farm (see --help).
#include "launcher/launchercli.h"
#include "launcher/launcheroptions.h"
#include "protocol/version.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTimer>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The CLI speaks for itself; library chatter is for QT_LOGGING_RULES (which wins over this).
    QLoggingCategory::setFilterRules(
        QStringLiteral("farmchat.*.debug=false\nfarmchat.*.info=false"));
    QCoreApplication::setApplicationName(QStringLiteral("farmchat-launcher"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FARMCHAT_VERSION));

    const farmchat::LauncherOptionsParse parsed
        = farmchat::LauncherOptions::parse(app.arguments().mid(1));
    if (!parsed.options) {
        if (!parsed.output.isEmpty())
            std::fputs(parsed.output.toUtf8().constData(), stdout);
        if (!parsed.error.isEmpty())
            std::fprintf(stderr, "farmchat-launcher: %s\nTry 'farmchat-launcher --help'.\n",
                parsed.error.toUtf8().constData());
        return parsed.exitCode;
    }

    for (const QString &warning : parsed.warnings)
        std::fprintf(stderr, "farmchat-launcher: %s\n", warning.toUtf8().constData());

    farmchat::LauncherCli cli(*parsed.options);
    QObject::connect(&cli, &farmchat::LauncherCli::finished, &app, &QCoreApplication::exit);
    QTimer::singleShot(0, &cli, &farmchat::LauncherCli::start);
    return app.exec();
}
