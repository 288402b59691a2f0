"""The network the moto tests put services in, built with boto3 (moto's own dependency) in one
process, because the JS SDK clients for EC2 and ELBv2 are not dependencies of caplab.

Usage: python network.py ENDPOINT NAME   (prints JSON: vpcId, subnets, securityGroup,
loadBalancerArn, targetGroupArn)

A VPC (10.0.0.0/16, DNS hostnames on), two subnets in two Availability Zones, a security group, an
application load balancer NAME, an `ip` target group NAME-tg on port 8080, and an HTTP
listener forwarding to it.
"""

import json
import sys

import boto3

endpoint, name = sys.argv[1], sys.argv[2]
session = boto3.session.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
)
ec2 = session.client("ec2", endpoint_url=endpoint)
elbv2 = session.client("elbv2", endpoint_url=endpoint)

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
# As in a default VPC. (moto 5.2.5's RunTask also fails, HTTP 500, for an awsvpc task in a VPC
# without DNS hostnames: its network interface then has no private DNS name to report.)
ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
subnets = [
    ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
]
group = ec2.create_security_group(GroupName=f"{name}-sg", Description=name, VpcId=vpc)["GroupId"]
lb = elbv2.create_load_balancer(
    Name=name, Type="application", Subnets=subnets, SecurityGroups=[group]
)["LoadBalancers"][0]["LoadBalancerArn"]
tg = elbv2.create_target_group(
    Name=f"{name}-tg", Protocol="HTTP", Port=8080, TargetType="ip", VpcId=vpc
)["TargetGroups"][0]["TargetGroupArn"]
elbv2.create_listener(
    LoadBalancerArn=lb,
    Protocol="HTTP",
    Port=80,
    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
)
json.dump(
    {
        "vpcId": vpc,
        "subnets": subnets,
        "securityGroup": group,
        "loadBalancerArn": lb,
        "targetGroupArn": tg,
    },
    sys.stdout,
)
