// farmchat: the desktop app (see --help). Parses the command line before any
// window exists, so --help and --version work without a display.
#include "app/appoptions.h"
#include "app/mainwindow.h"
#include "platform/signalwatcher.h"
#include "protocol/version.h"
#include "resources/appicon.h"

#include <QApplication>
#include <QSettings>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const auto parsed = farmchat::AppOptions::parse(arguments);
    if (const auto status = farmchat::CommandLine::finish(farmchat::AppOptions::kProgram, parsed))
        return *status;

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("FarmChat"));
    QApplication::setOrganizationName(QStringLiteral("FarmChat"));
    QApplication::setApplicationVersion(QStringLiteral(FARMCHAT_VERSION));
    QApplication::setDesktopFileName(farmchat::appId());
    QApplication::setWindowIcon(farmchat::appIcon());

    farmchat::MainWindow window(*parsed->options);
    // SIGTERM / SIGINT: close like the user did, which stops the farm first.
    farmchat::SignalWatcher watcher;
    QObject::connect(
        &watcher, &farmchat::SignalWatcher::terminationRequested, &window, &QWidget::close);
    QObject::connect(&window, &farmchat::MainWindow::closedAndStopped, &app, &QApplication::quit);
    if (window.fillsScreen())
        window.showMaximized();
    else
        window.show();
    return app.exec();
}
