package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"yingji/internal/app"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/org"
)

type flagSet = flag.FlagSet

// interleave moves flags before positional arguments, so that
// "import enterprises FILE --only-valid" works as users type it.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, pos...)
}

// loadDemo loads the demo county and says exactly which of the README's
// logins work: on a data directory that had accounts before (an admin
// from `yingji migrate` or an earlier start), those keep their password.
func loadDemo(ctx context.Context, a *app.App, out io.Writer) error {
	if err := a.LoadDemo(ctx, out); err != nil {
		return err
	}
	open, own, err := a.DemoLogins(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo logins with password %s: %s\n", demo.Password, strings.Join(open, ", "))
	for _, n := range own {
		fmt.Fprintf(out, "account %s existed before and keeps its own password, not %s (change it: yingji user passwd %s --password …) / 账号 %s 沿用原密码\n",
			n, demo.Password, n, n)
	}
	return nil
}

func (e env) user(args []string) error {
	if len(args) == 0 {
		return usageError{"usage: yingji user add|passwd|list|disable|enable …"}
	}
	verb := args[0]
	var role, display, unit, town, password, phone, enterprise string
	a, rest, err := e.open("user "+verb, args[1:], func(fs *flagSet) {
		fs.StringVar(&role, "role", "", "role: "+roleList())
		fs.StringVar(&display, "display", "", "display name (姓名)")
		fs.StringVar(&unit, "unit", "", "unit name (所属单位)")
		fs.StringVar(&town, "town", "", "town staff: their town's 9-digit code, or a village's 12-digit code to limit them to the village")
		fs.StringVar(&enterprise, "enterprise", "", "enterprise accounts: the enterprise's credit code (统一社会信用代码)")
		fs.StringVar(&password, "password", "", "password (generated when empty)")
		fs.StringVar(&phone, "phone", "", "phone")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	sys := a.System()
	switch verb {
	case "list":
		users, _, err := a.Auth.ListUsers(e.ctx, sys, auth.UserFilter{Limit: 1000})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tTOWN\tSTATUS")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, u.RegionCode, status)
		}
		return tw.Flush()
	case "add":
		if len(rest) != 1 {
			return usageError{"usage: yingji user add NAME --role ROLE --display 姓名 [--unit 单位] [--town CODE] [--enterprise CREDIT-CODE] [--password PW]; ROLE: " + roleList()}
		}
		if !auth.Role(role).Valid() {
			return usageError{fmt.Sprintf("unknown role %q; --role takes one of: %s / 角色代码不正确", role, roleList())}
		}
		enterpriseID := ""
		if enterprise != "" {
			if a.Enterprise == nil {
				return fmt.Errorf("the enterprise register is not available")
			}
			id, _, _, found, err := a.Enterprise.Resolve(e.ctx, a.Cfg.County, enterprise)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("no enterprise with credit code %q in county %s (see yingji export enterprises) / 本县无此统一社会信用代码的企业", enterprise, a.Cfg.County)
			}
			enterpriseID = id
		}
		unitID := ""
		if unit != "" {
			units, err := a.Org.ListUnits(e.ctx, sys, org.UnitFilter{Q: unit})
			if err != nil {
				return err
			}
			for _, u := range units {
				if u.Name == unit {
					unitID = u.ID
				}
			}
			if unitID == "" {
				return fmt.Errorf("unknown unit %q", unit)
			}
		}
		generated := password == ""
		if generated {
			password = auth.GeneratePassword()
		}
		if display == "" {
			display = rest[0]
		}
		_, err := a.Auth.CreateUser(e.ctx, sys, auth.UserInput{Username: rest[0], DisplayName: display, Role: auth.Role(role), UnitID: unitID,
			RegionCode: town, EnterpriseID: enterpriseID, Phone: phone, Password: password})
		if err != nil {
			return explain(a, err)
		}
		fmt.Fprintf(e.out, "created user %s (%s)\n", rest[0], role)
		if generated {
			fmt.Fprintf(e.out, "password: %s\n", password)
		}
		return nil
	case "passwd", "disable", "enable":
		if len(rest) != 1 {
			return usageError{"usage: yingji user " + verb + " NAME"}
		}
		u, err := a.Auth.FindByUsername(e.ctx, rest[0])
		if err != nil {
			return explain(a, err)
		}
		switch verb {
		case "passwd":
			if password == "" {
				password, err = readPassword(e)
				if err != nil {
					return err
				}
			}
			if err := a.Auth.SetPassword(e.ctx, sys, u.ID, "", password); err != nil {
				return explain(a, err)
			}
			fmt.Fprintf(e.out, "password of %s changed\n", u.Username)
		default:
			if err := a.Auth.SetDisabled(e.ctx, sys, u.ID, verb == "disable"); err != nil {
				return explain(a, err)
			}
			fmt.Fprintf(e.out, "user %s %sd\n", u.Username, verb)
		}
		return nil
	}
	return usageError{"unknown user verb " + verb}
}

// readPassword reads a new password from standard input (one line).
func readPassword(e env) (string, error) {
	fmt.Fprint(e.errOut, "new password: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password given (use --password or type it on standard input)")
	}
	return strings.TrimSpace(line), nil
}

func roleList() string {
	var s []string
	for _, r := range auth.AllRoles {
		s = append(s, string(r)+"("+r.Label("zh")+")")
	}
	return strings.Join(s, ", ")
}

// explain turns a service error into a message in Chinese and English.
func explain(a *app.App, err error) error {
	return a.Explain(err)
}

func (e env) token(args []string) error {
	if len(args) == 0 {
		return usageError{"usage: yingji token create --user NAME | revoke ID"}
	}
	verb := args[0]
	var user, name string
	a, rest, err := e.open("token "+verb, args[1:], func(fs *flagSet) {
		fs.StringVar(&user, "user", "", "username the token acts as")
		fs.StringVar(&name, "name", "cli", "a label for the token")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	sys := a.System()
	switch verb {
	case "create":
		if user == "" {
			return usageError{"usage: yingji token create --user NAME [--name LABEL]"}
		}
		u, err := a.Auth.FindByUsername(e.ctx, user)
		if err != nil {
			return explain(a, err)
		}
		t, secret, err := a.Auth.CreateToken(e.ctx, sys, u.ID, name)
		if err != nil {
			return explain(a, err)
		}
		fmt.Fprintf(e.out, "token %s for %s created; it is shown once:\n%s\n", t.ID, user, secret)
		return nil
	case "revoke":
		if len(rest) != 1 {
			return usageError{"usage: yingji token revoke ID"}
		}
		if err := a.Auth.RevokeToken(e.ctx, sys, rest[0]); err != nil {
			return explain(a, err)
		}
		fmt.Fprintf(e.out, "token %s revoked\n", rest[0])
		return nil
	case "list":
		list, err := a.Auth.ListTokens(e.ctx, sys)
		if err != nil {
			return err
		}
		for _, t := range list {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked"
			}
			fmt.Fprintf(e.out, "%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, state)
		}
		return nil
	}
	return usageError{"unknown token verb " + verb}
}

func (e env) backup(args []string) error {
	var out, passFile string
	a, _, err := e.open("backup", args, func(fs *flagSet) {
		fs.StringVar(&out, "out", "", "backup file to write")
		fs.StringVar(&passFile, "passphrase-file", "", "encrypt the backup with the passphrase in this file (or YINGJI_BACKUP_PASSPHRASE)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if out == "" {
		return usageError{"usage: yingji backup --out FILE [--passphrase-file FILE]"}
	}
	pass, err := e.passphrase(passFile)
	if err != nil {
		return err
	}
	msg, err := a.Backup(e.ctx, out, pass)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.out, msg)
	return nil
}

// passphrase reads the backup passphrase from a file (first line) or
// YINGJI_BACKUP_PASSPHRASE; none means no encryption.
func (e env) passphrase(file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("passphrase file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return nil, fmt.Errorf("passphrase file %s is empty", file)
		}
		return []byte(line), nil
	}
	if v := e.getenv("YINGJI_BACKUP_PASSPHRASE"); v != "" {
		return []byte(v), nil
	}
	return nil, nil
}

func (e env) restore(args []string) error {
	fs := config.NewFlagSet("restore", e.errOut)
	cfg := config.Flags(fs, e.getenv)
	var passFile string
	var force bool
	fs.StringVar(&passFile, "passphrase-file", "", "passphrase of an encrypted backup (or YINGJI_BACKUP_PASSPHRASE)")
	fs.BoolVar(&force, "force", false, "replace an existing installation (its files are moved aside first)")
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: yingji restore FILE --data DIR [--db URL] [--passphrase-file FILE] [--force]"}
	}
	pass, err := e.passphrase(passFile)
	if err != nil {
		return err
	}
	msg, err := app.Restore(e.ctx, *cfg, fs.Arg(0), app.RestoreOptions{Passphrase: pass, Force: force})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.out, msg)
	return nil
}
