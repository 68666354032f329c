#include "launcher/exitreason_p.h"

#ifdef Q_OS_UNIX
#include <csignal>
#endif

namespace farmchat {

QString signalName(int number)
{
#ifdef Q_OS_UNIX
    struct Named
    {
        int number;
        const char *name;
    };
    static constexpr Named names[] = {
        {SIGHUP, "SIGHUP"},
        {SIGINT, "SIGINT"},
        {SIGQUIT, "SIGQUIT"},
        {SIGILL, "SIGILL"},
        {SIGTRAP, "SIGTRAP"},
        {SIGABRT, "SIGABRT"},
        {SIGBUS, "SIGBUS"},
        {SIGFPE, "SIGFPE"},
        {SIGKILL, "SIGKILL"},
        {SIGUSR1, "SIGUSR1"},
        {SIGSEGV, "SIGSEGV"},
        {SIGUSR2, "SIGUSR2"},
        {SIGPIPE, "SIGPIPE"},
        {SIGALRM, "SIGALRM"},
        {SIGTERM, "SIGTERM"},
        {SIGXCPU, "SIGXCPU"},
        {SIGXFSZ, "SIGXFSZ"},
        {SIGSYS, "SIGSYS"},
    };
    for (const Named &n : names) {
        if (n.number == number)
            return QString::fromLatin1(n.name);
    }
#endif
    return QStringLiteral("signal %1").arg(number);
}

QString describeExit(int exitCode, QProcess::ExitStatus status, const QString &lastLine)
{
    QString text;
    bool explain = false; // a signal says it all; an exit code needs the why
    if (status == QProcess::CrashExit) {
#ifdef Q_OS_UNIX
        // On Unix QProcess reports the terminating signal as the exit code.
        const QString name = signalName(exitCode);
        if (exitCode == SIGKILL || exitCode == SIGTERM || exitCode == SIGINT || exitCode == SIGHUP)
            text = QStringLiteral("killed by %1").arg(name);
        else
            text = QStringLiteral("crashed (%1)").arg(name);
#else
        text = QStringLiteral("crashed (exit code 0x%1)")
                   .arg(uint(exitCode), 8, 16, QLatin1Char('0'));
#endif
    } else {
        text = QStringLiteral("exit code %1").arg(exitCode);
        explain = exitCode != 0;
    }
    const QString why = lastLine.trimmed();
    if (explain && !why.isEmpty())
        text += QStringLiteral(": ") + why.left(300);
    return text;
}

} // namespace farmchat
