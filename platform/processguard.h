#pragma once

#include <QObject>

#include <memory>

class QProcess;

namespace farmchat {

// Makes sure a child process never outlives the process that started it, even
// when the parent is killed with SIGKILL: Linux PR_SET_PDEATHSIG, macOS a
// watcher process blocked on kqueue for the parent's exit (both checked
// against getppid() to close the race), Windows a Job Object with
// kill-on-close. Other Unix systems have neither; there the guard is only the
// process group. On Unix children get their own process group, so a
// terminal's Ctrl-C reaches only the parent, which then stops them in order.
//
// Use one guard for the life of the supervisor; call prepare() before
// QProcess::start() and adopt() once the process has started.
class ProcessGuard : public QObject
{
    Q_OBJECT
public:
    // What a child's new files may be: Inherited keeps the parent's umask;
    // Private sets umask 077 in the child (Unix), so every file it creates,
    // including ones it rewrites itself (Sentinel's config), is 0600.
    enum class Files { Inherited, Private };

    explicit ProcessGuard(QObject *parent = nullptr);
    ~ProcessGuard() override;

    void prepare(QProcess &process, Files files = Files::Inherited);
    void adopt(QProcess &process);

    // Polite stop request (SIGTERM / CTRL_BREAK); QProcess::terminate() on
    // Windows only posts WM_CLOSE, which console children ignore.
    static void requestStop(QProcess &process);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl; // platform-specific state
};

} // namespace farmchat
